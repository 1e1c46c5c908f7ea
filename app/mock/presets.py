"""Ready-made rounds: a focus (concepts or topics), a clock and a size; their titles and descriptions live in the
message catalogue (mock.preset.<id>.title / .description)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preset:
    id: str
    minutes: float
    count: int
    concepts: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    mix: dict[str, int] = field(default_factory=dict)
    focus_weak: bool = False

    def values(self) -> dict[str, Any]:
        """The set-up fields this preset fills; a learner's own values override them."""
        values: dict[str, Any] = {"minutes": self.minutes, "count": self.count, "focus_weak": self.focus_weak}
        if self.concepts:
            values["concepts"] = list(self.concepts)
        if self.topics:
            values["topics"] = list(self.topics)
        if self.mix:
            values["mix"] = dict(self.mix)
        return values


PRESETS: tuple[Preset, ...] = (
    Preset("deepspeed-zero", minutes=45, count=8,
           concepts=("deepspeed", "zero", "zero-offload", "zero-infinity", "fsdp", "data-parallelism",
                     "memory-optimization")),
    Preset("mixed-precision", minutes=30, count=5,
           concepts=("mixed-precision", "fp16", "bf16", "loss-scaling", "tensor-cores", "training-stability")),
    Preset("parallelism", minutes=40, count=6,
           concepts=("data-parallelism", "model-parallelism", "tensor-parallelism", "pipeline-parallelism",
                     "sequence-parallelism", "3d-parallelism", "collective-communication",
                     "communication-optimization")),
    Preset("weak-areas", minutes=30, count=6, focus_weak=True),
    Preset("mcq-sprint", minutes=15, count=10, mix={"mcq": 10}),
)

PRESETS_BY_ID: dict[str, Preset] = {preset.id: preset for preset in PRESETS}
