"""Corrections on the review card: the 「勘误」 box sits above the revealed answer, and GET /api/review/next carries
the same corrections with the answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.content.importer import ImportReport
from tests.conftest import DATA, ImportInto
from tests.study.dom import Element, before, parse

CORRECTIONS = DATA / "canonical" / "corrections.md"  # q-zero2-memory: open, two corrections (one with a lab)
CORRECTIONS_MCQ = DATA / "canonical" / "corrections_mcq.md"  # q-bf16-scaling: an MCQ with one correction


@pytest.fixture
def bank(import_into: ImportInto) -> ImportReport:
    """Replaces the review conftest's bank: q-zero2-memory, q-loss-scaling (no correction), q-bf16-scaling."""
    report = import_into(CORRECTIONS, CORRECTIONS_MCQ)
    assert report.total == 3, report
    return report


def card_page(client: TestClient, question_id: str) -> tuple[Element, Element]:
    page = parse(client.get("/review", params={"card": question_id}).text)
    card = page.find("article", cls="review-card")
    assert card.attrs["data-question-id"] == question_id
    return page, card


def test_open_card_shows_the_correction_box_above_the_answer(client: TestClient, bank: ImportReport) -> None:
    page, card = card_page(client, "q-zero2-memory")
    body = card.find("details", cls="review-answer").find("div", cls="review-answer-body")
    box = body.find("aside", cls="corrections")
    assert box.attrs["data-count"] == "2" and "勘误（2）" in box.find("p", cls="callout-title").text()
    first, second = box.find_all("li", cls="correction")
    assert "把 fp16 参数也算作切分" in first.text()
    assert first.find("a", cls="lab-link").attrs["href"] == "/labs/zero-memory"
    assert "漏掉了 fp32 主权重" in second.text() and not second.find_all("a", cls="lab-link")
    answer = body.find("section", cls="review-section")
    assert "2Ψ + 14Ψ/N" in answer.text()
    assert before(page, box, answer)
    # The alternate's own correction belongs to the alternate, not to the shown answer.
    assert "ZeRO-3 的数字" not in box.text()


def test_mcq_card_shows_the_correction_above_the_right_choice_and_explanation(
    client: TestClient, bank: ImportReport
) -> None:
    page, card = card_page(client, "q-bf16-scaling")
    body = card.find("div", cls="review-answer-body")
    box = body.find("aside", cls="corrections")
    assert box.attrs["data-count"] == "1" and box.find("p", cls="callout-title").text().strip().endswith("勘误")
    assert "7 位尾数" in box.text() and "Kalamkar" in box.find("p", cls="correction-sources").text()
    assert before(page, box, body.find("p", data_correct_choices=True))
    assert before(page, box, body.find("section", cls="review-section"))


def test_a_card_without_corrections_has_no_box(client: TestClient, bank: ImportReport) -> None:
    _page, card = card_page(client, "q-loss-scaling")
    assert card.find("div", cls="review-answer-body").find_all("section", cls="review-section")
    assert not card.find_all("aside", cls="corrections")


def next_cards(client: TestClient) -> dict[str, dict[str, Any]]:
    """Every card GET /api/review/next serves, graded Easy one after another until the day is done."""
    seen: dict[str, dict[str, Any]] = {}
    while (card := client.get("/api/review/next").json()["card"]) is not None:
        assert card["question_id"] not in seen
        seen[card["question_id"]] = card
        graded = client.post(f"/api/review/{card['question_id']}", json={"rating": 4, "reps": card["reps"]})
        assert graded.status_code == 200, graded.text
    return seen


def test_next_card_json_carries_the_corrections_with_the_answer(client: TestClient, bank: ImportReport) -> None:
    cards = next_cards(client)
    assert set(cards) == {"q-zero2-memory", "q-loss-scaling", "q-bf16-scaling"}
    zero2 = cards["q-zero2-memory"]["answer"]["corrections"]
    assert [correction["sources"] for correction in zero2] == [["ZeRO 论文 §5.2", "DeepSpeed 文档"],
                                                               ["Rajbhandari et al., 2020"]]
    assert "把 fp16 参数也算作切分" in zero2[0]["text"]
    assert zero2[0]["lab"]["id"] == "zero-memory" and zero2[0]["lab"]["known"] is True
    assert zero2[1]["lab"] is None
    bf16 = cards["q-bf16-scaling"]["answer"]
    assert bf16["correct"] == ["B"] and len(bf16["corrections"]) == 1
    assert set(bf16["corrections"][0]) == {"text", "sources", "lab", "quote"}
    assert "7 位尾数" in bf16["corrections"][0]["text"]
    assert cards["q-loss-scaling"]["answer"]["corrections"] == []
