"""Corrections in a quiz: once a question is answered, the 「勘误」 box sits above the reference answer (open) or above
the options marked right and the explanation (MCQ); the answer API and the quiz API carry the same corrections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.content.importer import ImportReport
from app.settings import Settings
from tests.backends import database_url
from tests.conftest import CONTENT, DATA, ImportInto
from tests.study.dom import Element, before, parse

CORRECTIONS = DATA / "canonical" / "corrections.md"  # q-zero2-memory: open, two corrections (one with a lab)
CORRECTIONS_MCQ = DATA / "canonical" / "corrections_mcq.md"  # q-bf16-scaling: an MCQ with one correction
HTMX = {"HX-Request": "true"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Replaces the quiz conftest's copy of all content: an empty database that `banks` fills."""
    return Settings(database_url=database_url(tmp_path / 'preplab.db'), content_dir=CONTENT)


@pytest.fixture
def banks(import_into: ImportInto) -> ImportReport:
    """q-zero2-memory (open), q-loss-scaling (MCQ, no correction), q-bf16-scaling (MCQ, B right)."""
    report = import_into(CORRECTIONS, CORRECTIONS_MCQ)
    assert report.total == 3, report
    return report


def reference_answer(reference: Element) -> Element:
    """The reference answer's own block (the corrections' texts are Markdown blocks too)."""
    return next(div for div in reference.find_all("div", cls="markdown") if "每卡约 2Ψ + 14Ψ/N" in div.text())


def start(client: TestClient, **setup: Any) -> tuple[int, dict[str, int]]:
    """(quiz id, {question id: position})."""
    response = client.post("/api/quizzes", json=setup)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {question["id"]: question["position"] for question in body["questions"]}


def test_open_reference_shows_the_corrections_above_it_once_revealed(client: TestClient, banks: ImportReport) -> None:
    quiz_id, positions = start(client, kinds=["open"], count=1)
    assert positions == {"q-zero2-memory": 1}
    unanswered = parse(client.get(f"/quiz/{quiz_id}/1").text)
    assert not unanswered.find_all("aside", cls="corrections")  # nothing of the answer before it is asked for
    shown = parse(client.post(f"/quiz/{quiz_id}/1", data={"answer": "16Ψ/N"}, headers=HTMX).text)
    reference = shown.find("section", data_testid="quiz-reference")
    box = reference.find("aside", cls="corrections")
    assert box.attrs["data-count"] == "2" and "勘误（2）" in box.find("p", cls="callout-title").text()
    assert box.find("a", cls="lab-link").attrs["href"] == "/labs/zero-memory"
    answer = reference_answer(reference)
    assert before(shown, reference.find("h2"), box) and before(shown, box, answer)
    graded = parse(client.post(f"/quiz/{quiz_id}/1/grade", data={"self_grade": "1"}).text)
    assert graded.find("p", data_testid="quiz-verdict").attrs["data-correct"] == "false"
    kept = graded.find("section", data_testid="quiz-reference")
    assert before(graded, kept.find("aside", cls="corrections"), reference_answer(kept))


def test_mcq_correction_sits_above_the_marked_options_and_the_explanation(
    client: TestClient, banks: ImportReport
) -> None:
    quiz_id, positions = start(client, kinds=["mcq"], count=2)
    assert set(positions) == {"q-loss-scaling", "q-bf16-scaling"}
    bf16 = positions["q-bf16-scaling"]
    assert not parse(client.get(f"/quiz/{quiz_id}/{bf16}").text).find_all("aside", cls="corrections")
    page = parse(client.post(f"/quiz/{quiz_id}/{bf16}", data={"choice": ["", "A"]}).text)
    card = page.find("article", cls="quiz-card")
    assert card.attrs["data-question-id"] == "q-bf16-scaling"
    box = card.find("aside", cls="corrections")
    assert box.attrs["data-count"] == "1" and "7 位尾数" in box.text()
    assert "Kalamkar" in box.find("p", cls="correction-sources").text()
    assert before(page, card.find("p", data_testid="quiz-verdict"), box)
    assert before(page, box, card.find("ol", cls="quiz-choices-graded"))
    explanation = card.find("section", data_testid="quiz-explanation")
    assert "精度与 fp32 相同" in explanation.text() and before(page, box, explanation)
    other = positions["q-loss-scaling"]
    plain = parse(client.post(f"/quiz/{quiz_id}/{other}", data={"choice": ["", "B"]}).text)
    assert plain.find("section", data_testid="quiz-explanation") and not plain.find_all("aside", cls="corrections")


def test_answer_api_and_quiz_api_carry_the_corrections(client: TestClient, banks: ImportReport) -> None:
    quiz_id, positions = start(client, count=3)
    assert set(positions) == {"q-zero2-memory", "q-loss-scaling", "q-bf16-scaling"}
    mcq = client.post(f"/api/quizzes/{quiz_id}/answers/{positions['q-bf16-scaling']}", json={"choice": "B"}).json()
    assert mcq["correct"] is True and mcq["correct_choice"] == "B"
    assert [set(c) for c in mcq["corrections"]] == [{"text", "sources", "lab", "quote"}]
    assert "7 位尾数" in mcq["corrections"][0]["text"] and mcq["corrections"][0]["lab"] is None
    revealed = client.post(f"/api/quizzes/{quiz_id}/answers/{positions['q-zero2-memory']}",
                           json={"answer": "16Ψ/N"}).json()
    assert revealed["reference_answer"].startswith("每卡约 2Ψ + 14Ψ/N")
    assert [c["sources"] for c in revealed["corrections"]] == [["ZeRO 论文 §5.2", "DeepSpeed 文档"],
                                                               ["Rajbhandari et al., 2020"]]
    assert revealed["corrections"][0]["lab"]["id"] == "zero-memory"
    quiz = {q["id"]: q for q in client.get(f"/api/quizzes/{quiz_id}").json()["questions"]}
    assert quiz["q-zero2-memory"]["outcome"]["corrections"] == revealed["corrections"]
    assert quiz["q-bf16-scaling"]["outcome"]["corrections"] == mcq["corrections"]
    assert "outcome" not in quiz["q-loss-scaling"] and "corrections" not in quiz["q-loss-scaling"]
    plain = client.post(f"/api/quizzes/{quiz_id}/answers/{positions['q-loss-scaling']}", json={"choice": "B"}).json()
    assert plain["corrections"] == []
