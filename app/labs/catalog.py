"""What labs exist: asked once of `python -m labs` in a subprocess, because the app itself never imports torch."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.settings import PROJECT_ROOT
from labs.core.spec import LabSpec, Param
from labs.registry import LABS

# Importing the lab modules imports torch, so the specs (and whether CUDA is there) come from a child process.
_DESCRIBE = (
    "import json, torch\n"
    "from labs.cli import list_labs\n"
    "print(json.dumps({'labs': list_labs(), 'cuda': bool(torch.cuda.is_available())}, ensure_ascii=False))\n"
)


@dataclass(frozen=True)
class Catalog:
    specs: dict[str, LabSpec]
    errors: dict[str, str]  # registered ids whose module could not be loaded
    cuda: bool

    @property
    def devices(self) -> tuple[str, ...]:
        return ("cpu", "cuda") if self.cuda else ("cpu",)


def _param(entry: dict[str, Any]) -> Param:
    choices = entry.get("choices")
    return Param(name=entry["name"], type=entry["type"], default=entry["default"], help_zh=entry["help_zh"],
                 help_en=entry.get("help_en", ""), minimum=entry.get("minimum"), maximum=entry.get("maximum"),
                 choices=tuple(choices) if choices is not None else None)


def _spec(entry: dict[str, Any]) -> LabSpec:
    return LabSpec(id=entry["id"], title_zh=entry["title_zh"], title_en=entry["title_en"],
                   summary_zh=entry["summary_zh"], concepts=tuple(entry["concepts"]),
                   params=tuple(_param(p) for p in entry["params"]), cpu_size=entry.get("cpu_size", {}),
                   gpu_size=entry.get("gpu_size", {}), distributed=bool(entry.get("distributed")),
                   version=str(entry.get("version", "1")))


def parse_catalog(document: dict[str, Any]) -> Catalog:
    specs: dict[str, LabSpec] = {}
    errors: dict[str, str] = {}
    for entry in document["labs"]:
        if "error" in entry:
            errors[entry["id"]] = entry["error"]
        elif entry["id"] in LABS:
            specs[entry["id"]] = _spec(entry)
    return Catalog(specs=specs, errors=errors, cuda=bool(document.get("cuda")))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The registered labs' specs; a failure (no torch, broken lab) yields an empty catalogue naming the error."""
    try:
        completed = subprocess.run([sys.executable, "-c", _DESCRIBE], cwd=PROJECT_ROOT, capture_output=True,
                                   text=True, timeout=120, check=True)
        return parse_catalog(json.loads(completed.stdout))
    except (subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        return Catalog(specs={}, errors={lab: str(detail).strip()[-500:] for lab in LABS}, cuda=False)
