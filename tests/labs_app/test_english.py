"""Every text a lab writes into its result has English (app/messages/lab_text.py) and every key a label with a unit:
an English lab page shows no Chinese, whether it shows a shipped reference result or a CPU run of the learner's."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.labs.display import present
from app.labs.labels import has_han, lab_text, label, text_key
from app.labs.service import REFERENCE_DIR
from labs.core.schema import LabResult

CPU_RUNS = Path(__file__).resolve().parent.parent / "data" / "labs"
RESULTS = sorted(REFERENCE_DIR.glob("*.json")) + sorted(CPU_RUNS.glob("*.json"))


def _texts(result: LabResult) -> list[str]:
    shown = present(result, "en")
    texts = [*shown.notes, *(check.claim for check in shown.checks)]
    for table in shown.tables:
        texts += [table.title, *(column.text for column in table.columns)]
        texts += [cell.text for row in table.rows for cell in row]
    for chart in shown.charts:
        payload: dict[str, Any] = chart.payload
        texts += [chart.title, payload["xLabel"], payload["yLabel"], *(s["name"] for s in payload["series"])]
        texts += payload["categories"] or []
    return texts


@pytest.mark.parametrize("path", RESULTS, ids=lambda path: path.name)
def test_every_result_text_has_english(path: Path) -> None:
    result = LabResult.model_validate(json.loads(path.read_text(encoding="utf-8")))
    left = [text for text in _texts(result) if has_han(text)]
    assert left == [], f"{path.name}: no English in app/messages/lab_text.py or lab_labels.py for {left}"


def test_placeholders_carry_numbers_and_translated_names() -> None:
    assert lab_text("LoRA r=16：可训练参数 = Σ r·(d_in+d_out)，7 个被适配的线性层", "en") == (
        "LoRA r=16: trainable parameters = Σ r·(d_in+d_out) over 7 adapted linear layers")
    # a placeholder that is itself Chinese is translated too
    full = lab_text("全量微调：AdamW 状态 = 2×4 字节 × 可训练参数（m 与 v，fp32）", "en")
    assert full.startswith("Full fine-tuning:")
    # a run of another size keeps its key: tables and checks of two runs are matched by it
    small, large = "矩阵乘吞吐（512³，实测峰值 = 本次最好成绩）", "矩阵乘吞吐（8192³，实测峰值 = 本次最好成绩）"
    assert text_key(small) == text_key(large) == "labs.text.mp.table.matmul"
    # Chinese pages show the lab's own words, except where the page has made them wrong (MB now reads GiB)
    assert lab_text("每卡模型状态（MB）：论文预测 vs 实测", "zh") == "每卡模型状态：论文预测 vs 实测"
    assert lab_text("fp16 上溢：梯度×2^24 后变成 inf 的个数 = |g·s| ≥ 65520 的个数", "zh").startswith("fp16 上溢")


def test_keys_have_labels_and_units() -> None:
    peak = label("peak_mem_bytes", "en")
    assert (peak.text, peak.unit) == ("Peak memory", "bytes")
    assert label("peak_mem_bytes", "zh").text == "峰值显存"
    assert label("tokens_per_sec", "en").header_unit == "tok/s"
    assert label("梯度 bytes", "en", lab="zero-memory").text == "Gradients"
    guessed = label("kv_cache_bytes", "en")  # a key of a lab the table does not know yet
    assert (guessed.text, guessed.unit) == ("Kv cache", "bytes")
    assert label("attention_ms", "en").unit == "ms" and label("hit_fraction", "en").unit == "fraction"


def test_the_zero_lab_on_one_gpu_runs_n_1_and_says_why_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    from labs import zero_memory

    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    world, note = zero_memory._spawn_ranks({"ranks": 2}, SimpleNamespace(device="cuda"))
    assert world == 1 and note and "N=1" in note
    english = lab_text(note, "en")
    assert not has_han(english) and "ran with N=1" in english and "--device cpu" in english
    assert zero_memory._spawn_ranks({"ranks": 2}, SimpleNamespace(device="cpu")) == (2, None)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    assert zero_memory._spawn_ranks({"ranks": 2}, SimpleNamespace(device="cuda")) == (2, None)


def _sentences_in(path: Path) -> list[tuple[int, str]]:
    """The Chinese strings a lab module writes, f-string fields filled with a stand-in value, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
              for part in ast.walk(node) if part is not node}
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                  and isinstance(node.body[0], ast.Expr)}
    found = []
    for node in ast.walk(tree):
        if id(node) in inside or id(node) in docstrings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "7" for part in node.values)
        else:
            continue
        if has_han(text):
            found.append((node.lineno, text))
    return found


LAB_MODULES = sorted(path for path in (REFERENCE_DIR.parent).glob("*.py")
                     if path.stem not in ("__init__", "__main__", "cli", "registry", "formulas"))


@pytest.mark.parametrize("path", LAB_MODULES, ids=lambda path: path.name)
def test_every_chinese_string_in_the_labs_source_has_english(path: Path) -> None:
    """Catches a lab's new or reworded text before any result carries it (a CPU run cannot reach GPU-only text)."""
    lab = path.stem.replace("_deepspeed", "").replace("_", "-")
    left = [f"{path.name}:{line}: {text}" for line, text in _sentences_in(path)
            if has_han(lab_text(text, "en")) and has_han(label(text, "en", lab=lab).text)]  # a text, or a column
    assert left == [], "add English to app/messages/lab_text*.py for:\n" + "\n".join(left)
