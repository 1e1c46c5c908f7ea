"""Importing corrections with labs and text fixes: stored, exported, replaced on re-import, and a bad bank
changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from app.content.bank import ContentError
from app.content.export import export_document
from app.models import Correction, ReviewLog, TextFix
from app.users import ensure_local_user
from tests.conftest import DATA, ImportInto
from tests.content.test_reimport import _snapshot

BANK = DATA / "canonical" / "corrections.md"


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A private copy of the corrections bank that a test may edit."""
    return Path(shutil.copy(BANK, tmp_path / "corrections.md"))


def _fixes(engine: Engine) -> list[tuple[str, int, str, str, str, int]]:
    with Session(engine) as session:
        rows = session.exec(select(TextFix).order_by(col(TextFix.question_id), col(TextFix.position))).all()
        return [(r.question_id, r.position, r.original, r.fixed, r.source_document, r.source_line) for r in rows]


def _corrections(engine: Engine) -> list[tuple[int | None, str, list[str], str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(Correction).order_by(col(Correction.id))).all()
        return [(r.alternate_id, r.text[:8], list(r.sources), r.lab) for r in rows]


def _export(engine: Engine) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        return {q["id"]: q for q in export_document(session)["questions"]}


def test_text_fixes_and_labs_are_stored(engine: Engine, import_into: ImportInto, bank: Path) -> None:
    import_into(bank)
    assert _fixes(engine) == [
        ("q-loss-scaling", 0, "fp16 的最小正数约为 6e-8，很小的梯度会下益为零",
         "fp16 的最小正数约为 6e-8，很小的梯度会下溢为零", "004_d6b2aaf431fc57a4.txt", 815),
        ("q-zero2-memory", 0, "ZeRO-2 把梯度切分到各个进稈上", "ZeRO-2 把梯度切分到各个进程上",
         "004_d6b2aaf431fc57a4.txt", 3972),
        ("q-zero2-memory", 1, "**优化器状态*占 12Ψ", "**优化器状态**占 12Ψ", "001_df8376fe26b6958d.txt", 230),
    ]
    labs = [(alternate is None, lab) for alternate, _text, _sources, lab in _corrections(engine)]
    assert labs == [(True, "zero-memory"), (True, None), (False, "zero-memory")]


def test_export_json_has_text_fixes_and_correction_labs(engine: Engine, import_into: ImportInto, bank: Path) -> None:
    import_into(bank)
    zero = _export(engine)["q-zero2-memory"]
    assert zero["text_fixes"][0] == {
        "original": "ZeRO-2 把梯度切分到各个进稈上", "fixed": "ZeRO-2 把梯度切分到各个进程上",
        "location": {"document": "004_d6b2aaf431fc57a4.txt", "line": 3972},
    }
    assert [c["lab"] for c in zero["corrections"]] == ["zero-memory", None]
    assert zero["corrections"][0]["sources"] == ["ZeRO 论文 §5.2", "DeepSpeed 文档"]
    assert zero["alternates"][0]["corrections"][0]["lab"] == "zero-memory"


def test_reimport_replaces_fixes_and_labs_and_keeps_history(
    engine: Engine, import_into: ImportInto, bank: Path
) -> None:
    import_into(bank)
    with Session(engine) as session:
        user = ensure_local_user(session=session, name="local")
        assert user.id is not None
        session.add(ReviewLog(user_id=user.id, question_id="q-zero2-memory", rating=3))
        session.commit()
    source = bank.read_text(encoding="utf-8")
    edited = (source.replace("  实验：zero-memory\n- 原答案漏掉", "  实验：mixed-precision\n- 原答案漏掉", 1)
              .replace("- 原文：**优化器状态*占 12Ψ\n  修正：**优化器状态**占 12Ψ\n"
                       "  位置：001_df8376fe26b6958d.txt:230\n", "")
              .replace("下益为零", "下溢为〇", 1))
    assert edited.count("实验：mixed-precision") == 1 and "**优化器状态*占" not in edited
    bank.write_text(edited, encoding="utf-8")
    report = import_into(bank)
    assert (report.updated, report.unchanged, report.added) == (2, 0, 0)
    fixes = _fixes(engine)
    assert [(qid, position) for qid, position, *_ in fixes] == [("q-loss-scaling", 0), ("q-zero2-memory", 0)]
    assert fixes[0][2] == "fp16 的最小正数约为 6e-8，很小的梯度会下溢为〇"
    assert [lab for *_, lab in _corrections(engine)] == ["mixed-precision", None, "zero-memory"]
    with Session(engine) as session:
        assert len(session.exec(select(ReviewLog)).all()) == 1
    again = import_into(bank)
    assert (again.unchanged, again.updated) == (2, 0)  # twice is once
    assert len(_fixes(engine)) == 2 and len(_corrections(engine)) == 3


BAD_EDITS = [
    ("unknown_lab", "  实验：zero-memory\n- 原答案漏掉", "  实验：zero-mem\n- 原答案漏掉", 40, "未知的实验"),
    ("no_source", "  来源：Rajbhandari et al., 2020\n", "", 41, "勘误缺少来源"),
    ("fix_without_location", "  位置：004_d6b2aaf431fc57a4.txt:3972\n", "", 46, "文字修订缺少 位置"),
    ("fix_bad_location", "位置：001_df8376fe26b6958d.txt:230", "位置：001 第 230 行", 51, "位置须写成 文档:行号"),
]


@pytest.mark.parametrize(("old", "new", "line", "fragment"), [case[1:] for case in BAD_EDITS],
                         ids=[case[0] for case in BAD_EDITS])
def test_a_bad_edit_stops_the_import_and_changes_nothing(
    engine: Engine, import_into: ImportInto, bank: Path, old: str, new: str, line: int, fragment: str
) -> None:
    import_into(bank)
    before = _snapshot(engine)
    source = bank.read_text(encoding="utf-8")
    assert source.count(old) == 1
    bank.write_text(source.replace(old, new).replace("ZeRO-2 每卡约", "（改过的答案）ZeRO-2 每卡约"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        import_into(bank)
    assert (Path(caught.value.file).name, caught.value.line) == ("corrections.md", line)
    assert fragment in caught.value.problem
    assert _snapshot(engine) == before
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM text_fix")).scalar() == 3
