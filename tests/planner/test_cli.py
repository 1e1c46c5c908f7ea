"""`preplab plan MODEL [options] [--json]`: the same plan as the page, the parameter count and every term in bytes
as JSON, a table for people otherwise, and exit status 2 with the problem in words."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.cli import main
from tests import forkserver
from tests.backends import database_url, untouched


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["plan", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_preplab_plan_llama_2_7b_json_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "PREPLAB_DATABASE_URL": database_url(tmp_path / 'cli.db')}
    completed = forkserver.preplab("plan", "llama-2-7b", "--json", cwd=tmp_path, env=env)
    assert completed.returncode == 0, completed.stderr
    plan = json.loads(completed.stdout)
    assert plan["model"]["params"] == 6_738_415_616
    assert plan["per_gpu_bytes"]["weights"] == 1_684_603_904  # the defaults: bf16, AdamW, ZeRO-3 over 8 GPUs
    assert plan["command"] == "preplab plan llama-2-7b"
    assert untouched(tmp_path / "cli.db")  # planning touches no database


def test_options_are_the_pages_fields(capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_json(capsys, "Llama-3-70B", "--zero", "1", "--dp", "64", "--tp", "8", "--pp", "4",
                     "--micro-batch", "2", "--seq-len", "8192", "--checkpointing", "full", "--sequence-parallel")
    assert plan["input"]["model"] == "llama-3-70b" and plan["gpus"] == 64 * 8 * 4
    assert plan["activations"]["per_layer_bytes"] == 2 * 8192 * 2 * 8192 / 8  # 2sbh, split by sequence parallelism
    assert plan["command"] == ("preplab plan llama-3-70b --zero 1 --dp 64 --micro-batch 2 --seq-len 8192 "
                               "--checkpointing full --tp 8 --pp 4 --sequence-parallel")
    infer = plan_json(capsys, "qwen2.5-7b", "--mode", "infer", "--batch", "16", "--context", "32768",
                      "--weight-precision", "int8")
    assert infer["per_gpu_bytes"]["kv_cache"] == 16 * 32768 * 2 * 28 * 4 * 128 * 2  # GQA: 4 KV heads
    assert infer["per_gpu_bytes"]["weights"] == 7_615_616_512


def test_the_table_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "llama-2-7b", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "6,738,415,616 parameters" in out and "9.41 GiB (10,107,623,424 B)" in out and "12Ψ/N" in out
    assert "H100 80 GB: fits, 42.4 GiB to spare" in out and "RTX 4090 24 GB: does not fit" in out
    assert main(["plan", "llama-2-7b"]) == 0 and "优化器状态" in capsys.readouterr().out


def test_problems_exit_2_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "gpt-9", "--zero", "7", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "Model must be one of" in err and "ZeRO stage must be between 0 and 3" in err
    assert main(["plan", "llama-2-7b", "--offload", "optimizer", "--zero", "0", "--lang", "en"]) == 2
    assert "needs ZeRO-1" in capsys.readouterr().err
