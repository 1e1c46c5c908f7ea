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
_PROBE = "import json, torch; print(json.dumps({'cuda': bool(torch.cuda.is_available())}))"


@dataclass(frozen=True)
class Catalog:
    specs: dict[str, LabSpec]
    errors: dict[str, str]  # registered ids whose spec could not be loaded
    cuda: bool
    torch: bool = True  # False: labs can be read about and their results shown, not run here

    @property
    def devices(self) -> tuple[str, ...]:
        if not self.torch:
            return ()
        return ("cpu", "cuda") if self.cuda else ("cpu",)


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
        cuda, has_torch = bool(json.loads(completed.stdout)["cuda"]), True
    except (subprocess.SubprocessError, OSError, ValueError, KeyError):
        cuda, has_torch = False, False
    return Catalog(specs=specs, errors=errors, cuda=cuda, torch=has_torch)
