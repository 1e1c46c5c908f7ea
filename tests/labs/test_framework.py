"""The lab framework: listing, parameter validation, running, JSON output and progress lines."""

from __future__ import annotations

import json
import sys
import types

import pytest

from labs import cli, registry
from labs.core.schema import Check, LabResult
from labs.core.spec import LabSpec, Param, ParamError

FAKE_SPEC = LabSpec(
    id="fake", title_zh="假实验", title_en="Fake lab", summary_zh="测试用", concepts=("zero",),
    params=(Param("steps", "int", 10, "步数", minimum=1, maximum=100), Param("seed", "int", 0, "种子")),
    cpu_size={"steps": 3},
)


def _fake_run(params, ctx):
    ctx.progress("half way", 0.5)
    return ctx.result(FAKE_SPEC, params, checks=[Check.compare("steps", params["steps"], params["steps"])])


@pytest.fixture
def fake_lab(monkeypatch):
    module = types.ModuleType("fake_lab_module")
    module.SPEC, module.run = FAKE_SPEC, _fake_run
    monkeypatch.setitem(sys.modules, "fake_lab_module", module)
    monkeypatch.setattr(registry, "LABS", {**registry.LABS, "fake": "fake_lab_module", "ghost": "labs.no_such_lab"})
    return module


def test_list_json_describes_params(fake_lab, capsys):
    assert cli.main(["list", "--json"]) == 0
    entries = {entry["id"]: entry for entry in json.loads(capsys.readouterr().out)}
    fake = entries["fake"]
    assert fake["title_zh"] == "假实验" and fake["concepts"] == ["zero"] and fake["cpu_size"] == {"steps": 3}
    assert fake["params"][0] == {"name": "steps", "type": "int", "default": 10, "help_zh": "步数", "help_en": "",
                                 "minimum": 1, "maximum": 100, "choices": None}
    assert "does not exist" in entries["ghost"]["error"]
    assert entries["zero-memory"]["distributed"] is True


def test_resolve_validates_and_applies_sizes():
    assert FAKE_SPEC.resolve("cpu", {}) == {"steps": 3, "seed": 0}
    assert FAKE_SPEC.resolve("cuda", {"steps": "7"}) == {"steps": 7, "seed": 0}
    with pytest.raises(ParamError, match="steps"):
        FAKE_SPEC.resolve("cpu", {"steps": "1000"})
    with pytest.raises(ParamError, match="unknown"):
        FAKE_SPEC.resolve("cpu", {"nope": 1})


@pytest.mark.parametrize("setting", ["steps=0", "steps=abc", "nope=1", "steps"])
def test_bad_set_exits_2(fake_lab, capsys, setting):
    assert cli.main(["run", "fake", "--device", "cpu", "--set", setting]) == 2
    assert "error:" in capsys.readouterr().err


def test_unknown_and_missing_labs_are_rejected(fake_lab, capsys):
    assert cli.main(["run", "nope", "--device", "cpu"]) == 2
    assert "unknown lab" in capsys.readouterr().err
    assert cli.main(["run", "ghost", "--device", "cpu"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_run_writes_valid_json_and_progress(fake_lab, capsys, tmp_path):
    out = tmp_path / "result.json"
    assert cli.main(["run", "fake", "--device", "cpu", "--set", "steps=5", "--out", str(out)]) == 0
    result = LabResult.model_validate_json(out.read_text(encoding="utf-8"))
    assert result.lab == "fake" and result.params == {"steps": 5, "seed": 0} and result.all_passed
    assert result.env.device == "cpu" and result.env.python and result.env.device_name
    assert result.command == "python -m labs run fake --device cpu --set steps=5 --out " + str(out)
    progress = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert {"progress": 0.5, "message": "half way"} in progress


def test_run_without_out_prints_json(fake_lab, capsys):
    assert cli.main(["run", "fake", "--device", "cpu"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["steps"] == 3


def test_oom_becomes_a_result(fake_lab, capsys, monkeypatch):
    import torch

    def _oom(params, ctx):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")

    monkeypatch.setattr(fake_lab, "run", _oom)
    assert cli.main(["run", "fake", "--device", "cpu"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "oom" and "out of memory" in result["error"]


def test_a_rule_across_parameters_is_refused_by_name() -> None:
    from labs import mixed_precision
    from labs.core.spec import ParamError

    with pytest.raises(ParamError, match="steps"):
        mixed_precision.SPEC.resolve("cpu", {"steps": 3, "warmup_steps": 5})


def _limit_address_space() -> None:
    import resource

    limit = 2_500_000_000  # enough to import torch and run the small GPT, not for three 16384² fp32 matrices
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _cpu_torch() -> bool:
    import torch

    return torch.version.cuda is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is how the test runs out of memory")
@pytest.mark.skipif(not _cpu_torch(), reason="a CUDA build of torch maps more address space than the limit")
def test_running_out_of_memory_is_a_result_not_a_crash(tmp_path):
    """A real allocation failure (the process may not map more than 2.5 GB) ends as a result with status oom."""
    import subprocess

    out = tmp_path / "oom.json"
    done = subprocess.run(
        [sys.executable, "-m", "labs", "run", "mixed-precision", "--device", "cpu", "--set", "matmul_size=32768",
         "--set", "steps=2", "--set", "warmup_steps=1", "--out", str(out)],
        capture_output=True, text=True, timeout=300, preexec_fn=_limit_address_space, check=False)
    assert done.returncode == 1, done.stderr[-2000:]  # a result that is not "ok": written, and exit status 1
    result = LabResult.model_validate_json(out.read_text(encoding="utf-8"))
    assert result.status == "oom" and "can't allocate memory" in (result.error or "")
    assert result.notes and "内存不足" in result.notes[0] and result.checks == []


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(not _cuda_available(), reason="needs a CUDA GPU")
def test_gpu_out_of_memory_is_a_result_not_a_crash(tmp_path):
    """Logits of 64 × 4096 tokens × a 262,144-word vocabulary (275 GB in fp32) exhaust any GPU: an oom result."""
    import subprocess

    out = tmp_path / "oom.json"
    sizes = {"n_layer": 1, "n_head": 4, "d_model": 64, "seq_len": 4096, "batch_size": 64, "vocab_size": 262144,
             "steps": 2, "warmup_steps": 1, "matmul_size": 1024}
    command = [sys.executable, "-m", "labs", "run", "mixed-precision", "--device", "cuda", "--out", str(out)]
    for key, value in sizes.items():
        command += ["--set", f"{key}={value}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr[-2000:]
    result = LabResult.model_validate_json(out.read_text(encoding="utf-8"))
    assert result.status == "oom" and "out of memory" in (result.error or "").lower()
    assert result.notes and "显存不足" in result.notes[0] and result.checks == []
