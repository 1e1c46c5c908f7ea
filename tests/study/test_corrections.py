"""Corrections with lab links and text fixes on the question page and in its JSON twin."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.content.importer import ImportReport
from app.models import Correction
from tests.conftest import DATA, ImportInto
from tests.study.dom import Element, parse

CORRECTIONS = DATA / "canonical" / "corrections.md"


@pytest.fixture
def banks(import_into: ImportInto) -> ImportReport:
    return import_into(CORRECTIONS)


def _position(page: Element, element: Element) -> int:
    return next(index for index, candidate in enumerate(page.walk()) if candidate is element)


def test_correction_box_comes_before_the_answer_with_sources_and_lab_links(
    banks: ImportReport, client: TestClient
) -> None:
    page = parse(client.get("/questions/q-zero2-memory").text)
    answer = page.find("section", cls="answer")
    box = answer.find("aside", cls="corrections")
    assert box.attrs["role"] == "note" and "勘误（2）" in box.find("p", cls="callout-title").text()
    assert _position(page, box) < _position(page, answer.find("div", cls="answer-body"))
    first, second = box.find_all("li", cls="correction")
    assert "依据：ZeRO 论文 §5.2；DeepSpeed 文档" in first.find("p", cls="correction-sources").text()
    link = first.find("a", cls="lab-link")
    assert link.attrs["href"] == "/labs/zero-memory"
    assert link.text().strip().endswith("在实验中验证：ZeRO 各阶段每卡显存")
    assert "data-lab" not in second.attrs and not second.find_all("a", cls="lab-link")
    alternate = page.find("article", cls="alternate")
    alternate_box = alternate.find("aside", cls="corrections")
    assert alternate_box.find("a", cls="lab-link").attrs["href"] == "/labs/zero-memory"
    assert _position(page, alternate_box) < _position(page, alternate.find("div", cls="alternate-body"))
    assert client.get("/labs/zero-memory").status_code == 200  # the link leads somewhere


def test_text_fixes_are_a_collapsed_section_after_the_answer(banks: ImportReport, client: TestClient) -> None:
    page = parse(client.get("/questions/q-zero2-memory").text)
    fixes = page.find("details", cls="text-fixes")
    assert "open" not in fixes.attrs
    assert fixes.find("summary").text() == "文字修订（2）"
    assert _position(page, page.find("div", cls="answer-body")) < _position(page, fixes)
    assert _position(page, page.find("section", cls="alternates")) < _position(page, fixes)
    first, second = fixes.find_all("li", cls="text-fix")
    assert first.find("del").text() == "ZeRO-2 把梯度切分到各个进稈上"
    assert first.find("ins").text() == "ZeRO-2 把梯度切分到各个进程上"
    assert first.find("dd", cls="text-fix-location").text() == "004_d6b2aaf431fc57a4.txt:3972"
    assert (second.attrs["data-document"], second.attrs["data-line"]) == ("001_df8376fe26b6958d.txt", "230")
    assert second.find("del").text() == "**优化器状态*占 12Ψ"  # shown as text, never rendered as Markdown


def test_mcq_text_fix_and_no_correction_box(banks: ImportReport, client: TestClient) -> None:
    page = parse(client.get("/questions/q-loss-scaling").text)
    assert not page.find_all("aside", cls="corrections")
    assert not page.find_all(data_notice="corrections")
    assert page.find("details", cls="text-fixes").find("summary").text() == "文字修订（1）"


def test_english_labels(banks: ImportReport, client: TestClient) -> None:
    client.post("/settings/language", data={"language": "en"})
    page = parse(client.get("/questions/q-zero2-memory").text)
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("aside", cls="corrections").find("p", cls="callout-title").text().strip().endswith(
        "Corrections (2)")
    link = page.find("a", cls="lab-link")
    assert "Verify in the lab: ZeRO stages: model-state memory per GPU" in link.text()
    assert page.find("details", cls="text-fixes").find("summary").text() == "Text fixes (2)"


def test_question_json_has_labs_and_text_fixes(banks: ImportReport, client: TestClient) -> None:
    question = client.get("/api/questions/q-zero2-memory").json()
    first, second = question["corrections"]
    assert first["lab"] == {"id": "zero-memory", "title_zh": "ZeRO 各阶段每卡显存",
                            "title_en": "ZeRO stages: model-state memory per GPU", "known": True}
    assert second["lab"] is None and second["sources"] == ["Rajbhandari et al., 2020"]
    assert question["alternates"][0]["corrections"][0]["lab"]["id"] == "zero-memory"
    assert question["text_fixes"] == [
        {"original": "ZeRO-2 把梯度切分到各个进稈上", "fixed": "ZeRO-2 把梯度切分到各个进程上",
         "document": "004_d6b2aaf431fc57a4.txt", "line": 3972},
        {"original": "**优化器状态*占 12Ψ", "fixed": "**优化器状态**占 12Ψ",
         "document": "001_df8376fe26b6958d.txt", "line": 230},
    ]


def test_a_lab_no_longer_registered_is_named_without_a_link(
    banks: ImportReport, engine: Engine, client: TestClient
) -> None:
    with Session(engine) as session:
        row = session.exec(select(Correction).where(Correction.lab == "zero-memory")).first()
        assert row is not None
        row.lab = "retired-lab"
        session.add(row)
        session.commit()
    page = parse(client.get("/questions/q-zero2-memory").text)
    stale = page.find("li", cls="correction", data_lab="retired-lab")
    assert not stale.find_all("a") and "实验 retired-lab 已不可用" in stale.text()
    assert client.get("/api/questions/q-zero2-memory").json()["corrections"][0]["lab"]["known"] is False
