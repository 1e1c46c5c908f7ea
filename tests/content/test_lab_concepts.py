"""Concepts a lab backs have the lab's GPU measurements and questions to study: at least 24 concepts are backed by a
lab whose shipped GPU reference result passes every check, and each of those concepts has two or more questions with
a sourced model answer."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlmodel import Session, select

from app.content.service import import_paths
from app.db import make_engine, upgrade_database
from app.models import Concept, Question, QuestionConcept
from app.settings import PROJECT_ROOT, Settings
from tests.backends import database_url
from tests.conftest import CONTENT

RESULTS = PROJECT_ROOT / "labs" / "results"


def passing_gpu_references() -> set[str]:
    """Labs with a shipped result measured on a CUDA GPU whose every check passed."""
    labs = set()
    for path in RESULTS.glob("*.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        if result["env"].get("device") == "cuda" and result["checks"] and all(c["passed"] for c in result["checks"]):
            labs.add(result["lab"])
    return labs


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[str]], Counter[str]]:
    folder = tmp_path_factory.mktemp("lab-concepts")
    settings = Settings(database_url=database_url(folder / 'c.db'), content_dir=CONTENT)
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    import_paths(engine, [CONTENT], settings=settings)
    with Session(engine) as session:
        labs = {c.id: list(c.labs) for c in session.exec(select(Concept))}
        answered = {q.id for q in session.exec(select(Question)) if q.has_model_answer and q.model_references
                    and not q.retired}
        counts: Counter[str] = Counter(link.concept_id for link in session.exec(select(QuestionConcept))
                                       if link.question_id in answered)
    engine.dispose()
    return labs, counts


def test_every_new_lab_has_a_passing_gpu_reference() -> None:
    assert {"activation-memory", "attention", "kv-cache", "model-math", "mixed-precision", "lora",
            "zero-memory"} <= passing_gpu_references()


def test_at_least_24_concepts_are_backed_by_a_measured_lab_and_have_two_questions(
    tagged: tuple[dict[str, list[str]], Counter[str]],
) -> None:
    labs, counts = tagged
    measured = passing_gpu_references()
    backed = sorted(cid for cid, ids in labs.items() if set(ids) & measured)
    assert len(backed) >= 24, backed
    thin = {cid: counts[cid] for cid in backed if counts[cid] < 2}
    assert not thin, f"concepts a lab backs with fewer than two answered questions: {thin}"
