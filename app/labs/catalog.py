"""What labs exist: asked once of `python -m labs` in a subprocess, because the app itself never imports torch."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from app.settings import PROJECT_ROOT
from labs.core.spec import LabSpec
from labs.registry import LABS, LabNotFound, load_spec

# Whether torch (and a GPU) is there is asked of a child process: the app itself never imports torch.
_PROBE = ("import json, torch; from labs.core.env import cpu_model; cuda = torch.cuda.is_available(); "
          "print(json.dumps({'cuda': cuda, 'torch': torch.__version__, 'cpu': cpu_model(), "
          "'gpus': [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else [], "
          "'gpu_memory': [torch.cuda.get_device_properties(i).total_memory for i in range(torch.cuda.device_count())]"
          " if cuda else []}))")


@dataclass(frozen=True)
class Catalog:
    specs: dict[str, LabSpec]
    errors: dict[str, str]  # registered ids whose spec could not be loaded
    cuda: bool
    torch: bool = True  # False: labs can be read about and their results shown, not run here
    torch_version: str = ""
    cpu_name: str = ""
    gpu_names: tuple[str, ...] = ()
    gpu_memory: tuple[int, ...] = ()  # bytes of each GPU (app/labs/memory.py checks a run against the first)

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


@dataclass(frozen=True)
class LabSpecs:
    """The registered labs' specs, read without torch (milliseconds): all that a page needs to name a lab."""

    specs: dict[str, LabSpec]
    errors: dict[str, str]


@dataclass(frozen=True)
class Machine:
    torch: bool
    cuda: bool = False
    torch_version: str = ""
    cpu_name: str = ""
    gpu_names: tuple[str, ...] = ()
    gpu_memory: tuple[int, ...] = ()


_lock = threading.Lock()  # one spec load per process, however many requests ask at once
_specs: LabSpecs | None = None
_machine: Machine | None = None


def lab_specs() -> LabSpecs:
    """The specs, loaded once; never waits for the torch probe."""
    global _specs
    if _specs is None:
        with _lock:
            if _specs is None:
                specs: dict[str, LabSpec] = {}
                errors: dict[str, str] = {}
                for lab_id in LABS:
                    try:
                        specs[lab_id] = load_spec(lab_id)
                    except LabNotFound as error:
                        errors[lab_id] = str(error)
                _specs = LabSpecs(specs=specs, errors=errors)
    return _specs


_probe_lock = threading.Lock()  # one torch probe per process: later callers wait for it


def machine() -> Machine:
    """Whether torch and a GPU are here, probed once (1–3 s: a child process imports torch); a caller that comes
    while the probe runs waits for that one rather than starting another."""
    global _machine
    if _machine is None:
        with _probe_lock:
            if _machine is None:
                _machine = _probe()
    return _machine


def probe_in_background() -> threading.Thread:
    """Start the probe off the request path (at server start), so that the first lab run form finds it done."""
    thread = threading.Thread(target=machine, name="preplab-torch-probe", daemon=True)
    thread.start()
    return thread


def _probe() -> Machine:
    """The probe's answer, from this boot's cache when nothing it depends on has changed, else asked afresh."""
    cache = probe_cache_path()
    try:
        found = json.loads(cache.read_text(encoding="utf-8"))
        return Machine(**{**found, "gpu_names": tuple(found["gpu_names"]), "gpu_memory": tuple(found["gpu_memory"])})
    except (OSError, ValueError, TypeError, KeyError):
        pass
    answer = _ask()
    if answer.torch:  # a failed probe is asked again next time: torch may be being installed
        _write_atomically(cache, json.dumps(asdict(answer)))
    return answer


def probe_cache_path() -> Path:
    """Where this machine's probe answer is kept between server starts (each start would otherwise spend 1–3 s of
    CPU importing torch in a child). The name is a hash of everything the answer depends on: this boot, the Python,
    the installed torch (its folder's mtime changes when pip replaces it), the GPUs the driver shows and the ones
    this process may use, and the probe's own code. A change to any of them is a new name, so a new probe."""
    torch = importlib.util.find_spec("torch")
    torch_folder = Path(torch.origin).parent if torch is not None and torch.origin else None
    nvidia = sorted(str(path) for path in Path("/dev").glob("nvidia*"))
    parts = [_read("/proc/sys/kernel/random/boot_id"), sys.executable, sys.version,
             str(torch_folder), str(_mtime(torch_folder)), _read("/proc/driver/nvidia/version"), *nvidia,
             os.environ.get("CUDA_VISIBLE_DEVICES", "-"), os.environ.get("NVIDIA_VISIBLE_DEVICES", "-"), _PROBE,
             str(_mtime(PROJECT_ROOT / "labs" / "core" / "env.py"))]
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / f"preplab-torch-probe-{key}.json"


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return "-"


def _mtime(path: Path | None) -> int:
    try:
        return os.stat(path).st_mtime_ns if path is not None else 0
    except OSError:
        return 0


def _write_atomically(path: Path, text: str) -> None:
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as sink:
            sink.write(text)
        os.replace(temporary, path)
    except OSError:  # a read-only or full temporary folder: the next start probes again
        pass


def _ask() -> Machine:
    try:
        completed = subprocess.run([sys.executable, "-c", _PROBE], cwd=PROJECT_ROOT, capture_output=True,
                                   text=True, timeout=120, check=True)
        found = json.loads(completed.stdout)
    except (subprocess.SubprocessError, OSError, ValueError):
        return Machine(torch=False)
    return Machine(torch=True, cuda=bool(found.get("cuda")), torch_version=str(found.get("torch", "")),
                   cpu_name=str(found.get("cpu", "")), gpu_names=tuple(str(name) for name in found.get("gpus", [])),
                   gpu_memory=tuple(int(size) for size in found.get("gpu_memory", [])))


def load_catalog() -> Catalog:
    """The specs and the devices this machine can run them on: waits for the probe (the run form, starting a run,
    the JSON twin's device list). A page that only names or shows labs uses lab_specs()."""
    specs, found = lab_specs(), machine()
    return Catalog(specs=specs.specs, errors=specs.errors, cuda=found.cuda, torch=found.torch,
                   torch_version=found.torch_version, cpu_name=found.cpu_name, gpu_names=found.gpu_names,
                   gpu_memory=found.gpu_memory)
