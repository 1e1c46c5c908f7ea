"""The content check: what PrepLab promises about every question it ships (issue: make the knowledge base right).

Every correction names a source; every question has 3-8 key points and at least one concept; no shown text
holds mixed-script corruption or Markdown emphasis that does not render; every text fix can be traced to a
source line. (Every reference solution runs: tests/solutions.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.content.export import export_document
from app.content.quality import bank_problems, text_problems
from app.content.service import import_paths
from app.db import make_engine, upgrade_database
from app.settings import Settings
from tests.backends import database_url
from tests.conftest import CONTENT

BANKS = sorted((CONTENT / "banks").glob("*.md"))
SOURCES = CONTENT / "sources"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("content-check")
    settings = Settings(database_url=database_url(folder / 'check.db'), content_dir=CONTENT)
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    import_paths(engine, [CONTENT], settings=settings)
    with Session(engine) as session:
        exported = export_document(session)
    engine.dispose()
    return exported


def all_corrections(question: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(question["corrections"])
    for alternate in question["alternates"]:
        found += alternate["corrections"]
    return found


def test_every_correction_names_a_source(document: dict[str, Any]) -> None:
    corrections = [(q["id"], c) for q in document["questions"] for c in all_corrections(q)]
    assert corrections, "the banks carry corrections of the documents' errors"
    for question_id, correction in corrections:
        assert correction["text"].strip(), question_id
        assert correction["sources"] and all(source.strip() for source in correction["sources"]), question_id


def test_every_question_has_key_points_and_a_concept(document: dict[str, Any]) -> None:
    for question in document["questions"]:
        assert 3 <= len(question["key_points"]) <= 8, question["id"]
        assert question["concepts"], question["id"]


@pytest.mark.parametrize("bank", BANKS, ids=[bank.name for bank in BANKS])
def test_no_corrupted_text_or_broken_emphasis(bank: Path) -> None:
    assert bank_problems(bank) == []


def test_the_check_catches_what_it_claims_to() -> None:
    assert text_problems("换句话зал，如果", "answer")  # Cyrillic inside Chinese
    assert text_problems("通过**子词词元化（Subword Tokenization）**技术", "answer")  # ** that does not render
    assert text_problems("一个 **未闭合的加粗", "answer")
    assert text_problems("UTF-8 读成 Latin-1：â€™", "answer")
    assert not text_problems("**子词词元化**（Subword Tokenization）技术，σ² 与 `a**b`", "answer")
    assert not text_problems("```python\nx = a ** b  # **\n```", "answer")


def test_every_text_fix_points_at_its_source_line(document: dict[str, Any]) -> None:
    """The original text is on (or within 3 lines of) the source line; the shown text holds the fix, not it."""
    fixes = [(q, fix) for q in document["questions"] for fix in q["text_fixes"]]
    assert fixes, "the banks record their text fixes"
    for question, fix in fixes:
        location = fix["location"]
        lines = (SOURCES / location["document"]).read_text(encoding="utf-8").splitlines()
        window = "\n".join(lines[max(0, location["line"] - 4):location["line"] + 3])
        assert fix["original"] in window, (question["id"], fix)
        shown = "\n".join([question["title"], question["prompt"], question["answer"], question["explanation"],
                           question["original_answer"], question["original_explanation"],
                           *[choice["text"] for choice in question["choices"]],
                           *[alternate["answer"] for alternate in question["alternates"]]])
        assert fix["fixed"] in shown and fix["original"] not in shown, (question["id"], fix)
