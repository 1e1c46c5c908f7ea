"""Corrections in a mock interview's report: the 「勘误」 box sits above the reference answer (open) or the options
marked right (MCQ); the report JSON, the finished round's JSON and the Markdown export carry the same corrections,
and a running round shows none."""

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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Replaces the mock conftest's copy of all content: an empty database that `banks` fills."""
    return Settings(database_url=database_url(tmp_path / 'preplab.db'), content_dir=CONTENT,
                    timezone="Asia/Shanghai")


@pytest.fixture
def banks(import_into: ImportInto) -> ImportReport:
    """q-zero2-memory (open), q-loss-scaling (MCQ, no correction), q-bf16-scaling (MCQ, B right)."""
    report = import_into(CORRECTIONS, CORRECTIONS_MCQ)
    assert report.total == 3, report
    return report


@pytest.fixture
def finished(client: TestClient, banks: ImportReport) -> tuple[int, dict[str, int]]:
    """A round of all three questions, answered and handed in: (round id, {question id: position})."""
    created = client.post("/api/mock-interviews", json={"count": 3, "minutes": 10, "mix": {"mcq": 2, "open": 1}})
    assert created.status_code == 201, created.text
    body = created.json()
    positions = {question["id"]: question["position"] for question in body["questions"]}
    assert set(positions) == {"q-zero2-memory", "q-loss-scaling", "q-bf16-scaling"}
    assert all("corrections" not in question for question in body["questions"])  # hidden while it runs
    answers: dict[str, dict[str, Any]] = {"q-zero2-memory": {"answer": "每卡 16Ψ/N 字节"},
                                          "q-bf16-scaling": {"choice": "A"}, "q-loss-scaling": {"choice": "B"}}
    for question_id, answer in answers.items():
        saved = client.put(f"/api/mock-interviews/{body['id']}/answers/{positions[question_id]}", json=answer)
        assert saved.status_code == 200, saved.text
    assert client.post(f"/api/mock-interviews/{body['id']}/finish").status_code == 200
    return body["id"], positions


def review_card(page: Element, position: int) -> Element:
    return page.find("article", data_testid="mock-review-card", data_position=str(position))


def test_report_page_shows_the_corrections_above_each_answer(
    client: TestClient, finished: tuple[int, dict[str, int]]
) -> None:
    interview_id, positions = finished
    page = parse(client.get(f"/mock/{interview_id}/report").text)
    open_card = review_card(page, positions["q-zero2-memory"])
    reference = next(section for section in open_card.find("div", cls="mock-compare").find_all("section")
                     if section.find("h4").text() == "参考答案")
    box = reference.find("aside", cls="corrections")
    assert box.attrs["data-count"] == "2" and "勘误（2）" in box.find("p", cls="callout-title").text()
    assert box.find("a", cls="lab-link").attrs["href"] == "/labs/zero-memory"
    answer = next(div for div in reference.find_all("div", cls="markdown") if "每卡约 2Ψ + 14Ψ/N" in div.text())
    assert before(page, reference.find("h4"), box) and before(page, box, answer)
    assert before(page, open_card.find("pre", data_testid="mock-given"), box)  # the learner's answer stays first
    mcq_card = review_card(page, positions["q-bf16-scaling"])
    mcq_box = mcq_card.find("aside", cls="corrections")
    assert mcq_box.attrs["data-count"] == "1" and "7 位尾数" in mcq_box.text()
    assert before(page, mcq_box, mcq_card.find("ol", cls="mock-choices-graded"))
    assert before(page, mcq_box, mcq_card.find("details", cls="mock-explanation"))
    assert not review_card(page, positions["q-loss-scaling"]).find_all("aside", cls="corrections")


def test_report_json_and_round_json_carry_the_corrections(
    client: TestClient, finished: tuple[int, dict[str, int]]
) -> None:
    interview_id, _positions = finished
    report = {row["id"]: row for row in client.get(f"/api/mock-interviews/{interview_id}/report").json()["questions"]}
    zero2 = report["q-zero2-memory"]["corrections"]
    assert report["q-zero2-memory"]["reference_answer"].startswith("每卡约 2Ψ + 14Ψ/N")
    assert [c["sources"] for c in zero2] == [["ZeRO 论文 §5.2", "DeepSpeed 文档"], ["Rajbhandari et al., 2020"]]
    assert zero2[0]["lab"]["id"] == "zero-memory" and zero2[1]["lab"] is None
    bf16 = report["q-bf16-scaling"]
    assert bf16["correct_choice"] == ["B"]
    assert [set(c) for c in bf16["corrections"]] == [{"text", "sources", "lab", "quote"}]
    assert "7 位尾数" in bf16["corrections"][0]["text"]
    assert report["q-loss-scaling"]["corrections"] == []
    revealed = {q["id"]: q for q in client.get(f"/api/mock-interviews/{interview_id}").json()["questions"]}
    assert {question_id: q["corrections"] for question_id, q in revealed.items()} == {
        question_id: row["corrections"] for question_id, row in report.items()}


def test_markdown_export_writes_the_corrections_above_the_answer(
    client: TestClient, finished: tuple[int, dict[str, int]]
) -> None:
    interview_id, positions = finished
    text = client.get(f"/api/mock-interviews/{interview_id}/report.md").text
    sections = {question_id: next(part for part in text.split("\n### ") if part.startswith(f"{position}. "))
                for question_id, position in positions.items()}
    zero2 = sections["q-zero2-memory"]
    assert zero2.index("**参考答案**") < zero2.index("勘误（2）") < zero2.index("每卡约 2Ψ + 14Ψ/N")
    assert "依据：ZeRO 论文 §5.2；DeepSpeed 文档" in zero2
    bf16 = sections["q-bf16-scaling"]
    assert bf16.index("7 位尾数") < bf16.index("B. 通常不需要")
    assert "勘误" not in sections["q-loss-scaling"]
