"""Presets for a lab's run form: its own sizes (CPU toy size, full GPU size) and a few runs worth trying.

A preset fills the fields it names and empties the rest (an empty field runs at the device's size); static/js/labs.js
applies one without a reload, and `?preset=ID` applies it on the server for a page without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.messages import translate
from labs.core.spec import LabSpec

# Runs worth trying beyond the lab's two sizes: (id, device or "" for any, values).
EXTRA: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "mixed-precision": [("quick", "", {"steps": 8, "warmup_steps": 2})],
    "lora": [("few_ranks", "", {"ranks": "1,8,64"}), ("quick", "", {"steps": 4, "warmup_steps": 1})],
    "zero-memory": [("four_ranks", "cpu", {"ranks": 4, "hidden": 256}),
                    ("paper_calc", "", {"calc_params_b": 7.5, "calc_gpus": 64})],
}


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    device: str  # "" leaves the device as chosen
    values: dict[str, Any] = field(default_factory=dict)


def presets(spec: LabSpec, devices: tuple[str, ...], lang: str) -> list[Preset]:
    found = [Preset("clear", translate("labs.preset.clear", lang), "")]
    if "cpu" in devices:
        found.append(Preset("cpu", translate("labs.preset.cpu", lang), "cpu", dict(spec.cpu_size)))
    if "cuda" in devices:
        full = {param.name: param.default for param in spec.params} | dict(spec.gpu_size)
        found.append(Preset("gpu", translate("labs.preset.gpu", lang), "cuda", full))
    for preset_id, device, values in EXTRA.get(spec.id, []):
        if not device or device in devices:
            found.append(Preset(preset_id, translate(f"labs.preset.{preset_id}", lang), device, values))
    return found


def preset_values(spec: LabSpec, devices: tuple[str, ...], preset_id: str, lang: str) -> tuple[dict[str, str], str]:
    """(form values, device) for `?preset=ID`; unknown ids give an empty form."""
    chosen = next((p for p in presets(spec, devices, lang) if p.id == preset_id), None)
    if chosen is None:
        return {}, ""
    return {name: str(value) for name, value in chosen.values.items()}, chosen.device
