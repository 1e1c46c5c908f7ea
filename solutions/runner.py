"""Runs a solution, or a document's original snippet, in a subprocess with a timeout; builds and compares results.

Both run offline (HF_HUB_OFFLINE=1) and on CPU (CUDA_VISIBLE_DEVICES=""), as in CI: an original that needs a
download fails the same way everywhere instead of hanging on retries. An original runs in a fresh temporary
folder with an empty Hugging Face cache, under a small wrapper that records the exception it raises.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from solutions.registry import PACKAGE_DIR, Solution

PROJECT_ROOT = PACKAGE_DIR.parent
SOLUTION_TIMEOUT_S = 120.0
ORIGINAL_TIMEOUT_S = 60.0
SCHEMA_VERSION = 1
_CACHE_VARIABLES = ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE", "HF_ASSETS_CACHE")

# Runs the snippet as __main__ and, if it raises, writes the exception's type and message next to it.
_WRAPPER = """
import json, runpy, sys
path, report = sys.argv[1], sys.argv[2]
try:
    runpy.run_path(path, run_name="__main__")
except BaseException as error:
    if isinstance(error, SystemExit) and error.code in (0, None):
        raise
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else kind.__module__ + "." + kind.__qualname__
    with open(report, "w", encoding="utf-8") as handle:
        json.dump({"error_type": name, "error_message": str(error).strip()}, handle)
    raise
"""


@dataclass(frozen=True)
class Outcome:
    """What one subprocess did."""

    output: str  # stdout
    stderr: str
    returncode: int | None  # None: killed at the timeout
    duration_s: float
    ran_at: str  # ISO 8601, UTC
    error_type: str | None = None  # originals only: the exception the snippet raised
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "CUDA_VISIBLE_DEVICES": "", "PYTHONHASHSEED": "0",
                "PYTHONIOENCODING": "utf-8", "TOKENIZERS_PARALLELISM": "false"})
    env.update(extra or {})
    return env


def _run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> Outcome:
    ran_at, started = _now(), time.perf_counter()
    try:
        process = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8",
                                 errors="replace", timeout=timeout, check=False)
        output, stderr, returncode = process.stdout, process.stderr, process.returncode
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else ""
        stderr = f"timed out after {timeout:g} s"
        returncode = None
    return Outcome(output=output, stderr=stderr, returncode=returncode,
                   duration_s=round(time.perf_counter() - started, 2), ran_at=ran_at)


def run_solution(solution: Solution, timeout: float = SOLUTION_TIMEOUT_S) -> Outcome:
    """`python -m solutions.<module>` from the project root."""
    env = _environment({"PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))})
    return _run([sys.executable, "-m", solution.dotted], cwd=PROJECT_ROOT, env=env, timeout=timeout)


def run_original(code: str, timeout: float = ORIGINAL_TIMEOUT_S) -> Outcome:
    """The snippet as a script in an empty temporary folder, with an empty model cache and no network."""
    with tempfile.TemporaryDirectory(prefix="preplab-original-") as folder:
        workdir = Path(folder)
        script, report = workdir / "original.py", workdir / "error.json"
        script.write_text(code, encoding="utf-8")
        env = _environment({"HF_HOME": str(workdir / "hf-cache")})
        for name in ("PYTHONPATH", *_CACHE_VARIABLES):  # a cache elsewhere would let from_pretrained succeed
            env.pop(name, None)
        outcome = _run([sys.executable, "-c", _WRAPPER, str(script), str(report)], cwd=workdir, env=env,
                       timeout=timeout)
        if report.exists():
            error = json.loads(report.read_text(encoding="utf-8"))
            return Outcome(**{**outcome.__dict__, **error})
        return outcome


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine() -> str:
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, CPU only"


def result_record(solution: Solution, outcome: Outcome, original_code: str, original: Outcome) -> dict[str, Any]:
    """The JSON stored in solutions/results/<question-id>.json and read by the question page."""
    record: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "question_id": solution.question_id,
        "module": solution.module,
        "source_sha256": sha256(solution.path.read_text(encoding="utf-8")),
        "output": outcome.output,
        "ok": outcome.ok,
        "duration_s": outcome.duration_s,
        "ran_at": outcome.ran_at,
        "python": platform.python_version(),
        "torch": _package_version("torch"),
        "transformers": _package_version("transformers"),
        "machine": machine(),
        "original": {
            "code_sha256": sha256(original_code),
            "ok": original.ok,
            "error_type": original.error_type,
            "error_message": original.error_message,
            "output": original.output,
            "duration_s": original.duration_s,
            "ran_at": original.ran_at,
            "defects": list(solution.defects),
        },
    }
    if not outcome.ok:  # kept only for failures: a traceback holds machine paths
        record["stderr_tail"] = "\n".join(outcome.stderr.splitlines()[-20:])
    return record


def write_record(solution: Solution, record: dict[str, Any]) -> Path:
    path = solution.result_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_record(solution: Solution) -> dict[str, Any] | None:
    path = solution.result_path
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def outputs_match(expected: str, actual: str, *, rel_tol: float = 0.05) -> bool:
    """Same text, same integers; decimals equal within rel_tol or two units of their last printed digit.

    Losses after a few hundred steps can differ in the last digits between CPUs (other SIMD kernels); the words,
    the counts, the predictions and the True/False checks must not.
    """
    expected_lines, actual_lines = expected.strip().splitlines(), actual.strip().splitlines()
    if len(expected_lines) != len(actual_lines):
        return False
    for want, got in zip(expected_lines, actual_lines, strict=True):
        if _NUMBER.sub("#", want) != _NUMBER.sub("#", got):
            return False
        for want_number, got_number in zip(_NUMBER.findall(want), _NUMBER.findall(got), strict=True):
            if not _numbers_match(want_number, got_number, rel_tol):
                return False
    return True


def _numbers_match(want: str, got: str, rel_tol: float) -> bool:
    if "." not in want and "e" not in want.lower():
        return want == got
    decimals = len(want.split(".")[1].split("e")[0].split("E")[0]) if "." in want else 0
    return math.isclose(float(want), float(got), rel_tol=rel_tol, abs_tol=2 * 10.0 ** -decimals)
