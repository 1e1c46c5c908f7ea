"""The memory planner's inputs: one table of fields that the page's form, the JSON twin's query string and
`preplab plan`'s options are all read through, so the three agree on names, defaults, ranges and errors."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from app.messages import translate
from labs.formulas import PRESETS, Attention, Engine, Offload, Optimizer, Recompute

Kind = Literal["int", "float", "choice", "bool"]
CUSTOM = "custom"
LORA_TARGETS = {"all": ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                "attention": ("q_proj", "k_proj", "v_proj", "o_proj"), "qv": ("q_proj", "v_proj")}
# GPUs by the memory their makers sell them with. NVIDIA's "80GB" (and 141, 40, 24) counts 2^30 bytes: the HBM3
# stacks of an H100 are 5 × 16 GiB, and CUDA on the H200 this project's labs ran on reports 139.8 GiB
# (150,109,880,320 bytes) of the label's 141 — what the driver keeps back is in the planner's allowance.
GPUS: dict[str, tuple[str, float]] = {
    "h200": ("H200 141 GB", 141.0), "h100-80": ("H100 80 GB", 80.0), "a100-80": ("A100 80 GB", 80.0),
    "a100-40": ("A100 40 GB", 40.0), "rtx4090": ("RTX 4090 24 GB", 24.0),
}
MAX_GPUS = 1_048_576


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    default: Any
    group: str  # model, custom, train, parallel, infer, budget: the form's fieldsets
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    optional: bool = False  # blank means "the model's own value" (custom sizes, KV heads, parameter count)


FIELDS: tuple[Field, ...] = (
    Field("model", "choice", "llama-2-7b", "model", (*PRESETS, CUSTOM)),
    Field("mode", "choice", "train", "model", ("train", "infer")),
    Field("hidden", "int", None, "custom", minimum=1, maximum=1_000_000, optional=True),
    Field("layers", "int", None, "custom", minimum=1, maximum=10_000, optional=True),
    Field("heads", "int", None, "custom", minimum=1, maximum=10_000, optional=True),
    Field("kv_heads", "int", None, "custom", minimum=1, maximum=10_000, optional=True),
    Field("intermediate", "int", None, "custom", minimum=1, maximum=10_000_000, optional=True),
    Field("vocab", "int", None, "custom", minimum=1, maximum=10_000_000, optional=True),
    Field("mlp", "choice", "swiglu", "custom", ("swiglu", "gelu")),
    Field("params", "int", None, "custom", minimum=1, maximum=10**15, optional=True),
    Field("method", "choice", "full", "train", ("full", "lora")),
    Field("lora_rank", "int", 16, "train", minimum=1, maximum=65_536),
    Field("lora_targets", "choice", "all", "train", tuple(LORA_TARGETS)),
    Field("precision", "choice", "bf16-mixed", "train", ("bf16-mixed", "fp16-mixed", "fp32")),
    Field("optimizer", "choice", "adamw", "train", ("adamw", "sgd-momentum", "adafactor")),
    Field("zero", "int", 3, "train", minimum=0, maximum=3),
    Field("engine", "choice", "deepspeed", "train", ("deepspeed", "fsdp2")),
    Field("offload", "choice", "none", "train", ("none", "optimizer", "optimizer+params")),
    Field("dp", "int", 8, "train", minimum=1, maximum=MAX_GPUS),
    Field("micro_batch", "int", 1, "train", minimum=1, maximum=1_000_000),
    Field("seq_len", "int", 4096, "train", minimum=1, maximum=10_000_000),
    Field("checkpointing", "choice", "none", "train", ("none", "selective", "matmul-outputs", "full")),
    Field("attention", "choice", "fused", "train", ("fused", "math")),
    Field("dropout", "bool", False, "train"),
    Field("tp", "int", 1, "parallel", minimum=1, maximum=1024),
    Field("pp", "int", 1, "parallel", minimum=1, maximum=1024),
    Field("sequence_parallel", "bool", False, "parallel"),
    Field("batch", "int", 1, "infer", minimum=1, maximum=1_000_000),
    Field("context", "int", 4096, "infer", minimum=1, maximum=10_000_000),
    Field("infer_kv_heads", "int", None, "infer", minimum=1, maximum=10_000, optional=True),
    Field("weight_precision", "choice", "bf16", "infer", ("bf16", "fp16", "fp32", "int8", "int4")),
    Field("kv_precision", "choice", "bf16", "infer", ("bf16", "fp16", "fp8", "fp32")),
    Field("gpu", "choice", "h100-80", "budget", tuple(GPUS)),
    Field("overhead_gib", "float", 2.0, "budget", minimum=0, maximum=1024),
    Field("fragmentation_pct", "float", 10.0, "budget", minimum=0, maximum=100),
)
FIELD_BY_NAME = {item.name: item for item in FIELDS}


@dataclass(frozen=True)
class PlanInput:
    """What the learner asked; a blank optional field is None (the model's own value)."""

    model: str = "llama-2-7b"
    mode: str = "train"
    hidden: int | None = None
    layers: int | None = None
    heads: int | None = None
    kv_heads: int | None = None
    intermediate: int | None = None
    vocab: int | None = None
    mlp: str = "swiglu"
    params: int | None = None
    method: str = "full"
    lora_rank: int = 16
    lora_targets: str = "all"
    precision: str = "bf16-mixed"
    optimizer: Optimizer = "adamw"
    zero: int = 3
    engine: Engine = "deepspeed"
    offload: Offload = "none"
    dp: int = 8
    micro_batch: int = 1
    seq_len: int = 4096
    checkpointing: Recompute = "none"
    attention: Attention = "fused"
    dropout: bool = False
    tp: int = 1
    pp: int = 1
    sequence_parallel: bool = False
    batch: int = 1
    context: int = 4096
    infer_kv_heads: int | None = None
    weight_precision: str = "bf16"
    kv_precision: str = "bf16"
    gpu: str = "h100-80"
    overhead_gib: float = 2.0
    fragmentation_pct: float = 10.0

    def query(self) -> dict[str, str]:
        """The fields that differ from the defaults, as a query string or the form sends them."""
        defaults = PlanInput()
        return {item.name: text_of(getattr(self, item.name)) for item in fields(self)
                if getattr(self, item.name) != getattr(defaults, item.name)}


@dataclass
class ParsedInput:
    values: PlanInput
    raw: dict[str, str] = field(default_factory=dict)  # what the form showed, for redrawing it
    errors: list[str] = field(default_factory=list)


def text_of(value: object) -> str:
    """A value as the form and the query string write it."""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _parse(item: Field, text: str, lang: str) -> Any:
    """One field's value from its text; ValueError carries the words shown to the learner."""
    label = translate(f"planner.field.{item.name}", lang)
    if item.kind == "bool":
        return text.lower() in ("on", "true", "1", "yes")
    if item.kind == "choice":
        text = text.lower() if text.lower() in item.choices else text  # "Llama-2-7B" names the preset too
        if text not in item.choices:
            raise ValueError(translate("planner.error.choice", lang, field=label, choices=", ".join(item.choices)))
        return text
    try:
        number = int(text) if item.kind == "int" else float(text)
    except ValueError:
        key = "planner.error.int" if item.kind == "int" else "planner.error.number"
        raise ValueError(translate(key, lang, field=label)) from None
    low = -math.inf if item.minimum is None else item.minimum
    high = math.inf if item.maximum is None else item.maximum
    if not (math.isfinite(number) and low <= number <= high):
        raise ValueError(translate("planner.error.range", lang, field=label, low=text_of(float(low)),
                                   high=text_of(float(high))))
    return number


def parse_input(raw: Mapping[str, str], lang: str = "zh") -> ParsedInput:
    """The planner's input from a form, a query string or the CLI's options; an unreadable field keeps its default
    and says why (every problem is listed, none stops the others)."""
    values: dict[str, Any] = {}
    shown: dict[str, str] = {}
    errors: list[str] = []
    for item in FIELDS:
        text = str(raw.get(item.name, "") or "").strip()
        shown[item.name] = text
        if not text:
            values[item.name] = False if item.kind == "bool" else item.default
            continue
        try:
            values[item.name] = _parse(item, text, lang)
            shown[item.name] = text_of(values[item.name]) if item.kind == "choice" else text
        except ValueError as problem:
            errors.append(str(problem))
            values[item.name] = item.default
    return ParsedInput(values=PlanInput(**values), raw=shown, errors=errors)
