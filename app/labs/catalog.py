"""What labs exist: asked once of `python -m labs` in a subprocess, because the app itself never imports torch."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache

from app.settings import PROJECT_ROOT
from labs.core.spec import LabSpec
from labs.registry import LABS, LabNotFound, load_spec

# Whether torch (and a GPU) is there is asked of a child process: the app itself never imports torch.
_PROBE = ("import json, torch; from labs.core.env import cpu_model; cuda = torch.cuda.is_available(); "
          "print(json.dumps({'cuda': cuda, 'torch': torch.__version__, 'cpu': cpu_model(), "
          "'gpus': [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []}))")


@dataclass(frozen=True)
class Catalog:
    specs: dict[str, LabSpec]
    errors: dict[str, str]  # registered ids whose spec could not be loaded
    cuda: bool
    torch: bool = True  # False: labs can be read about and their results shown, not run here
    torch_version: str = ""
    cpu_name: str = ""
    gpu_names: tuple[str, ...] = ()

    @property
    def devices(self) -> tuple[str, ...]:
        if not self.torch:
            return ()
        return ("cpu", "cuda") if self.cuda else ("cpu",)

    def describe(self, device: str) -> str:
        """What a run on `device` would use: "NVIDIA H200 ×1" or the CPU's model name."""
        if device == "cuda" and self.gpu_names:
            return f"{self.gpu_names[0]} ×{len(self.gpu_names)}"
        return self.cpu_name or device


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The registered labs' specs (read without torch) and the devices this machine can run them on."""
    specs: dict[str, LabSpec] = {}
    errors: dict[str, str] = {}
    for lab_id in LABS:
        try:
            specs[lab_id] = load_spec(lab_id)
        except LabNotFound as error:
            errors[lab_id] = str(error)
    try:
        completed = subprocess.run([sys.executable, "-c", _PROBE], cwd=PROJECT_ROOT, capture_output=True,
                                   text=True, timeout=120, check=True)
        found = json.loads(completed.stdout)
    except (subprocess.SubprocessError, OSError, ValueError):
        return Catalog(specs=specs, errors=errors, cuda=False, torch=False)
    return Catalog(specs=specs, errors=errors, cuda=bool(found.get("cuda")), torch=True,
                   torch_version=str(found.get("torch", "")), cpu_name=str(found.get("cpu", "")),
                   gpu_names=tuple(str(name) for name in found.get("gpus", [])))
