"""Every question PrepLab ships shows its own model answer, sourced, and no claim a correction calls wrong.

The documents' answers stay in the banks verbatim as sources; each correction quotes the wrong claim it
corrects, so these tests can tell whether that claim survives anywhere PrepLab presents as right: a model
answer, a shown explanation, a correct option or a key point.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.content.bank import ParsedQuestion, quote_key
from app.content.canonical import parse_bank
from app.content.export import export_document
from app.content.service import import_paths
from app.db import make_engine, upgrade_database
from app.settings import Settings
from tests.backends import database_url
from tests.conftest import CONTENT

BANKS = sorted((CONTENT / "banks").glob("*.md"))
QUESTIONS: list[ParsedQuestion] = [q for bank in BANKS for q in parse_bank(bank).questions]
HAN_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]+")


def _length(text: str) -> int:
    """Han characters plus Latin words, outside code blocks: how long an answer is to say aloud."""
    return len(HAN_OR_WORD.findall(re.sub(r"```.*?```", "", text, flags=re.S)))


def _shown_as_right(question: ParsedQuestion) -> list[tuple[str, str]]:
    texts = [("model answer", question.model_answer), ("explanation", question.shown_explanation)]
    texts += [(f"correct option {c.label}", c.text) for c in question.choices if c.correct]
    texts += [(f"key point {n}", point) for n, point in enumerate(question.key_points, 1)]
    return texts


def test_the_banks_hold_every_question() -> None:
    assert len(QUESTIONS) >= 172  # the five documents (172 merged questions) plus banks written for PrepLab


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_every_question_has_a_sourced_model_answer(question: ParsedQuestion) -> None:
    assert question.model_answer.strip(), "no model answer (### 参考答案)"
    assert question.references and all(ref.strip() for ref in question.references), "no references"
    assert 3 <= len(question.key_points) <= 8
    assert question.concepts
    if question.kind == "mcq":
        for choice in question.choices:  # the answer says why each option is right or wrong
            assert re.search(rf"(?<![A-Za-z]){choice.label}(?![a-z])", question.model_answer), choice.label
    else:
        assert 120 <= _length(question.model_answer) <= 520, _length(question.model_answer)


CORRECTED = [q for q in QUESTIONS if q.corrections or any(a.corrections for a in q.alternates)]


@pytest.mark.parametrize("question", CORRECTED, ids=lambda q: q.id)
def test_no_corrected_claim_is_shown_as_right(question: ParsedQuestion) -> None:
    corrections = question.corrections + [c for alternate in question.alternates for c in alternate.corrections]
    shown = [(field, quote_key(text)) for field, text in _shown_as_right(question)]
    for correction in corrections:
        assert correction.quote, f"correction without 原文 quote: {correction.text[:40]}"
        claim = quote_key(correction.quote)
        assert len(claim) >= 4, correction.quote
        for field, text in shown:
            assert claim not in text, f"the corrected claim {correction.quote!r} is in the {field}"


def test_corrections_quote_their_own_original() -> None:
    """The parser refuses a quote missing from its original; make sure the banks carry quotes at all."""
    quoted = [c for q in QUESTIONS for c in q.corrections + [c for a in q.alternates for c in a.corrections]]
    assert len(quoted) >= 96 and all(c.quote for c in quoted)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    folder = tmp_path_factory.mktemp("model-answers")
    settings = Settings(database_url=database_url(folder / 'm.db'), content_dir=CONTENT)
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    import_paths(engine, [CONTENT], settings=settings)
    again = import_paths(engine, [CONTENT], settings=settings)
    assert (again.added, again.updated, again.retired, again.unchanged) == (0, 0, 0, len(QUESTIONS))  # no change
    with Session(engine) as session:
        document = export_document(session)
    engine.dispose()
    return document, folder


def test_export_gives_the_model_answer_and_the_original(exported: tuple[dict[str, Any], Path]) -> None:
    document, _folder = exported
    by_id = {q["id"]: q for q in document["questions"]}
    parsed = {q.id: q for q in QUESTIONS}
    for question_id, question in by_id.items():
        assert question["has_model_answer"] is True
        if not parsed[question_id].sources:
            continue  # written for PrepLab: no document, no original
        assert question["answer"] == parsed[question_id].model_answer
        assert question["original_answer"] == parsed[question_id].answer
        assert question["references"] == parsed[question_id].references
        for correction in question["corrections"]:
            assert correction["quote"]
    # a document's wording of a wrong claim is kept as a source, never as the answer
    xlnet = by_id["q-3b40afb598"]
    assert "由百度和华盛顿大学开发" in xlnet["original_answer"]
    assert "由百度和华盛顿大学开发" not in xlnet["answer"]
