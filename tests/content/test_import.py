"""Importing content/ into a real database: the counts and invariants the product promises."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.content.export import export_document
from app.db import make_engine
from tests.backends import database_url
from tests.conftest import CONTENT, ImportInto
from tests.server import imported_database

SEED_000 = "000_19bd2eb347514dbd.txt"
SEED_001 = "001_df8376fe26b6958d.txt"
SEED_004 = "004_d6b2aaf431fc57a4.txt"
ALL_SEEDS = sorted(p.name for p in (CONTENT / "sources").glob("*.txt"))


def exported(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return export_document(session)


@pytest.fixture(scope="module")
def imported_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """content/ imported once for this module's read-only checks (tests/server.py imports it as every server's
    database holds it), then exported."""
    database = imported_database(tmp_path_factory.mktemp("import-checks") / "content.db")
    engine = make_engine(database_url(database))
    try:
        return exported(engine)
    finally:
        engine.dispose()


@pytest.fixture
def document(imported_document: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(imported_document)  # a test may not change what the next one reads


def documents_of(question: dict[str, Any]) -> set[str]:
    return {source["document"] for source in question["sources"]}


def test_every_source_document_is_represented(document: dict[str, Any]) -> None:
    seen = {source["document"] for q in document["questions"] for source in q["sources"]}
    assert seen == set(ALL_SEEDS)


def test_seed_000_collapses_to_at_most_16_questions_keeping_all_30_sources(document: dict[str, Any]) -> None:
    from_000 = [q for q in document["questions"] if SEED_000 in documents_of(q)]
    assert 10 <= len(from_000) <= 16
    lines = [s["line"] for q in from_000 for s in q["sources"] if s["document"] == SEED_000]
    assert len(lines) == len(set(lines)) == 30


def test_a_question_asked_in_several_documents_is_one_question_with_alternates(document: dict[str, Any]) -> None:
    across = [q for q in document["questions"] if len(documents_of(q)) > 1]
    assert across, "expected questions shared by 000 and 001 (e.g. ZeRO, mixed precision)"
    zero = next(q for q in across if "ZeRO" in q["prompt"] and SEED_001 in documents_of(q))
    assert zero["alternates"], "the other documents' answers are kept"
    assert all(a["answer"].strip() and a["source"]["document"] in ALL_SEEDS for a in zero["alternates"])


def test_the_92_skill_questions_keep_area_skill_and_difficulty(document: dict[str, Any]) -> None:
    skill_questions = [q for q in document["questions"] if SEED_004 in documents_of(q) and q["skill"]]
    assert len(skill_questions) == 92
    assert all(q["topic"] and 1 <= q["difficulty"] <= 10 for q in skill_questions)
    assert len({q["skill"] for q in skill_questions}) == 46
    assert len({q["topic"] for q in skill_questions}) == 7
    assert Counter(q["kind"] for q in skill_questions)["mcq"] >= 40


def test_every_mcq_has_exactly_one_correct_option(document: dict[str, Any]) -> None:
    mcqs = [q for q in document["questions"] if q["kind"] == "mcq"]
    assert mcqs
    for q in mcqs:
        assert sum(c["correct"] for c in q["choices"]) == 1, q["id"]
        assert len(q["choices"]) >= 2, q["id"]


def test_every_question_has_an_answer_and_a_concept(document: dict[str, Any]) -> None:
    concept_ids = {c["id"] for c in document["concepts"]}
    for q in document["questions"]:
        # an MCQ's model answer explains every option; without one, its explanation must
        shown = q["answer"] if q["kind"] != "mcq" or q["has_model_answer"] else q["explanation"]
        assert shown.strip(), q["id"]
        assert not q["unanswered"], q["id"]
        assert q["concepts"] and set(q["concepts"]) <= concept_ids, q["id"]
        assert q["topic"], q["id"]
        assert not q["retired"]


def test_coding_questions_are_kind_code(document: dict[str, Any]) -> None:
    code = [q for q in document["questions"] if q["kind"] == "code"]
    assert len(code) == 4
    assert all("```" in q["answer"] for q in code)


def test_concepts_cover_the_documents(document: dict[str, Any]) -> None:
    concepts = document["concepts"]
    assert len(concepts) >= 40
    assert all(c["name_zh"] and c["name_en"] and c["topic"] for c in concepts)
    used = {cid for q in document["questions"] for cid in q["concepts"]}
    assert len(used) >= 30


def test_export_has_the_promised_shape(document: dict[str, Any]) -> None:
    question_keys = {"id", "kind", "prompt", "answer", "explanation", "choices", "key_points", "difficulty",
                     "topic", "skill", "concepts", "sources", "corrections", "alternates", "text_fixes",
                     "retired", "has_model_answer", "references", "original_answer", "original_explanation"}
    for q in document["questions"]:
        assert question_keys <= set(q)
        assert q["kind"] in {"mcq", "open", "code"}
        for choice in q["choices"]:
            assert set(choice) == {"label", "text", "correct"}
        for source in q["sources"]:
            assert set(source) == {"document", "line"} and source["line"] >= 1
        for alternate in q["alternates"]:
            assert {"answer", "source", "corrections"} <= set(alternate)
        for correction in q["corrections"] + [c for a in q["alternates"] for c in a["corrections"]]:
            assert set(correction) == {"text", "quote", "sources", "lab"} and correction["sources"]
        for fix in q["text_fixes"]:
            assert set(fix) == {"original", "fixed", "location"} and set(fix["location"]) == {"document", "line"}
    for concept in document["concepts"]:
        assert {"id", "name_zh", "name_en", "topic", "labs"} <= set(concept)


def test_totals_per_document_and_kind(document: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the totals (first source of each question) for the closing note; checks they add up."""
    totals: Counter[tuple[str, str]] = Counter()
    for q in document["questions"]:
        origin = q["sources"][0]["document"] if q["sources"] else f"(written for PrepLab: {q['bank']})"
        totals[(origin, q["kind"])] += 1
    with capsys.disabled():
        for (doc, kind), count in sorted(totals.items()):
            print(f"  {doc} {kind}: {count}")
    assert sum(totals.values()) == len(document["questions"])


def test_importing_the_sources_directly_gives_the_same_questions(
    engine: Engine, import_into: ImportInto, tmp_path: Path
) -> None:
    from app.content.service import import_paths
    from app.db import make_engine, upgrade_database
    from app.settings import Settings

    import_into(CONTENT)
    # the documents' questions: banks written for PrepLab (no source document) are not in the sources
    from_banks = [q for q in exported(engine)["questions"] if q["sources"]]
    other = make_engine(database_url(tmp_path / 'sources.db'))
    upgrade_database(other)
    report = import_paths(other, [CONTENT / "sources"], settings=Settings(content_dir=CONTENT))
    from_sources = exported(other)["questions"]
    other.dispose()
    assert report.total == len(from_banks)
    assert sorted(q["id"] for q in from_sources) == sorted(q["id"] for q in from_banks)
    assert Counter(q["kind"] for q in from_sources) == Counter(q["kind"] for q in from_banks)
    banks_sources = {q["id"]: documents_of(q) for q in from_banks}
    assert {q["id"]: documents_of(q) for q in from_sources} == banks_sources


def test_every_question_has_three_to_eight_key_points(document: dict[str, Any]) -> None:
    """Key points drive open-question grading and the mock-interview hint."""
    for q in document["questions"]:
        points = q["key_points"]
        assert 3 <= len(points) <= 8, (q["id"], points)
        assert all(point.strip() and "**" not in point for point in points), q["id"]
