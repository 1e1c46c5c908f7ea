"""The errata page /corrections and /api/corrections: corrections by document and line, filters, text fixes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

from app.content.importer import ImportReport
from app.models import Correction, Question, TextFix
from app.study.errata import ErrataFilters, errata, errata_counts
from tests.conftest import CONTENT, DATA, ImportInto
from tests.study.dom import Element, parse

CORRECTIONS = DATA / "canonical" / "corrections.md"  # q-zero2-memory (2 + 1 alternate), q-loss-scaling (fix only)
CORRECTIONS_MCQ = DATA / "canonical" / "corrections_mcq.md"  # q-bf16-scaling: one correction, no lab
DOC_000, DOC_001, DOC_004 = "000_19bd2eb347514dbd.txt", "001_df8376fe26b6958d.txt", "004_d6b2aaf431fc57a4.txt"
DISTRIBUTED, TRAINING = "分布式训练与系统架构", "训练算法与优化"

# Two corrected questions in one document, the one further down the document first in the file.
LINE_ORDER_BANK = f"""---
preplab: 1
bank: errata-order
title: 勘误排序
documents: [{DOC_004}]
---

## 后出现的一题

```yaml
id: q-late-line
kind: open
topic: {TRAINING}
sources:
  - {DOC_004}:900
```

### 答案

原答案。

### 勘误

- 第 900 行的勘误。
  来源：某论文

## 先出现的一题

```yaml
id: q-early-line
kind: open
sources:
  - {DOC_004}:50
```

### 答案

原答案。

### 勘误

- 第 50 行的勘误。
  来源：某论文
"""


@pytest.fixture
def banks(import_into: ImportInto) -> ImportReport:
    return import_into(CORRECTIONS, CORRECTIONS_MCQ)


def _page(client: TestClient, query: str = "") -> Element:
    response = client.get(f"/corrections{query}")
    assert response.status_code == 200
    return parse(response.text)


def _groups(page: Element) -> list[str]:
    return [section.attrs["data-document"] for section in page.find_all("section", cls="errata-document")]


def _entries(page: Element) -> list[tuple[str, str, str]]:
    """(question id, shown | alternate, line) of every entry in page order."""
    return [(li.attrs["data-question-id"], li.attrs["data-answer"], li.attrs["data-line"])
            for li in page.find_all("li", cls="errata-entry")]


def _fixes(page: Element) -> list[tuple[str, str, str]]:
    section = page.find("section", cls="errata-text-fixes")
    return [(li.attrs["data-document"], li.attrs["data-line"], li.attrs["data-question-id"])
            for li in section.find_all("li", cls="text-fix")]


def test_corrections_are_grouped_by_document_in_name_order(banks: ImportReport, client: TestClient) -> None:
    page = _page(client)
    assert page.find("h1").text() == "原始文档勘误表"
    assert _groups(page) == [DOC_000, DOC_001, DOC_004]
    assert _entries(page) == [("q-zero2-memory", "shown", "120"), ("q-zero2-memory", "alternate", "216"),
                              ("q-bf16-scaling", "shown", "840")]
    first = page.find("section", cls="errata-document", data_document=DOC_000)
    assert first.find("h3").find("span", cls="count").text() == "2 条勘误"
    entry = first.find("li", cls="errata-entry")
    link = entry.find("a", cls="errata-question")
    assert link.attrs["href"] == "/questions/q-zero2-memory" and link.text() == "ZeRO-2 每卡要存多少模型状态？"
    assert entry.find("a", cls="errata-topic").text() == DISTRIBUTED
    location = entry.find("a", cls="errata-location")  # the document's line, opened in the original
    assert location.attrs["href"] == f"/sources/{DOC_000}#L120" and location.text() == "第 120 行"
    corrections = entry.find_all("li", cls="correction")
    assert len(corrections) == 2
    assert corrections[0].find("div", cls="markdown").find("p").text().startswith("原答案写成 (2 + 2 + 12)Ψ/N")
    assert corrections[0].find("p", cls="correction-sources").text() == "依据：ZeRO 论文 §5.2；DeepSpeed 文档"
    assert corrections[0].find("a", cls="lab-link").attrs["href"] == "/labs/zero-memory"
    assert not corrections[1].find_all("a", cls="lab-link")
    assert client.get("/questions/q-zero2-memory").status_code == 200  # the title link leads somewhere


def test_entries_within_a_document_follow_line_order(
    banks: ImportReport, import_into: ImportInto, engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    bank = tmp_path / "order.md"
    bank.write_text(LINE_ORDER_BANK, encoding="utf-8")
    import_into(bank)
    with Session(engine) as session:  # the importer infers a topic; a question may still have none
        question = session.get(Question, "q-early-line")
        assert question is not None
        question.topic = None
        session.add(question)
        session.commit()
    group = _page(client).find("section", cls="errata-document", data_document=DOC_004)
    assert _entries(group) == [("q-early-line", "shown", "50"), ("q-bf16-scaling", "shown", "840"),
                               ("q-late-line", "shown", "900")]
    untagged = group.find("li", cls="errata-entry", data_question_id="q-early-line")
    assert untagged.find("span", cls="errata-topic").text() == "未分类"
    lines = [entry["location"]["line"] for entry in client.get("/api/corrections").json()["documents"][-1]["entries"]]
    assert lines == [50, 840, 900]


def test_an_alternate_is_labelled_apart_from_the_shown_answer(banks: ImportReport, client: TestClient) -> None:
    page = _page(client)
    shown = page.find("li", cls="errata-entry", data_answer="shown", data_question_id="q-zero2-memory")
    alternate = page.find("li", cls="errata-entry", data_answer="alternate")
    assert shown.find("span", cls="errata-answer").text() == "原答案"
    assert alternate.find("span", cls="errata-answer").text() == "其他文档的答案"
    # An alternate sits under its own document, at its own line, not under the question's first source.
    assert alternate in page.find("section", cls="errata-document", data_document=DOC_001).walk()
    assert alternate.find("a", cls="errata-location").attrs["href"] == f"/sources/{DOC_001}#L216"
    assert alternate.find("a", cls="errata-question").attrs["href"] == "/questions/q-zero2-memory"
    (only,) = alternate.find_all("li", cls="correction")
    assert only.text().strip().startswith("16Ψ/N 是 ZeRO-3 的数字") and only.attrs["data-lab"] == "zero-memory"
    entries = [entry for group in client.get("/api/corrections").json()["documents"] for entry in group["entries"]]
    assert [(e["location"]["document"], e["answer"]) for e in entries] == [
        (DOC_000, "shown"), (DOC_001, "alternate"), (DOC_004, "shown")]


def test_summary_counts_everything(banks: ImportReport, client: TestClient) -> None:
    page = _page(client)
    tiles = {tile.attrs["data-stat"]: tile.find("dd").children[0] for tile in page.find_all(cls="stat")}
    assert tiles == {"corrections": "4", "questions": "2", "documents": "3", "text_fixes": "3"}
    assert page.find(data_stat="corrections").find("small").text() == "其中 2 条有实验验证"
    assert "题目页也会在被更正的答案上方显示它们" in page.find("p", cls="errata-intro").text()
    assert client.get("/api/corrections").json()["summary"] == {
        "corrections": 4, "questions": 2, "documents": 3, "text_fixes": 3, "with_lab": 2}


@pytest.mark.parametrize(("query", "entries", "fixes"), [
    (f"?document={DOC_004}", [("q-bf16-scaling", "shown", "840")],
     [(DOC_004, "815", "q-loss-scaling"), (DOC_004, "3972", "q-zero2-memory")]),
    (f"?topic={DISTRIBUTED}", [("q-zero2-memory", "shown", "120"), ("q-zero2-memory", "alternate", "216")],
     [(DOC_001, "230", "q-zero2-memory"), (DOC_004, "3972", "q-zero2-memory")]),
    (f"?topic={TRAINING}", [("q-bf16-scaling", "shown", "840")], [(DOC_004, "815", "q-loss-scaling")]),
    ("?has_lab=1", [("q-zero2-memory", "shown", "120"), ("q-zero2-memory", "alternate", "216")], []),
    (f"?document={DOC_001}&has_lab=1", [("q-zero2-memory", "alternate", "216")], []),
    ("?document=no-such.txt&topic=", [("q-zero2-memory", "shown", "120"), ("q-zero2-memory", "alternate", "216"),
                                      ("q-bf16-scaling", "shown", "840")],
     [(DOC_001, "230", "q-zero2-memory"), (DOC_004, "815", "q-loss-scaling"), (DOC_004, "3972", "q-zero2-memory")]),
])
def test_filters_narrow_the_list(banks: ImportReport, client: TestClient, query: str,
                                 entries: list[tuple[str, str, str]], fixes: list[tuple[str, str, str]]) -> None:
    page = _page(client, query)
    assert _entries(page) == entries
    assert _fixes(page) == fixes
    summary = {tile.attrs["data-stat"]: tile.find("dd").children[0] for tile in page.find_all(cls="stat")}
    assert summary["corrections"] == "4"  # the summary always counts everything


def test_the_lab_filter_keeps_only_corrections_a_lab_measures(banks: ImportReport, client: TestClient) -> None:
    page = _page(client, "?has_lab=1")
    assert all(li.attrs.get("data-lab") == "zero-memory" for li in page.find_all("li", cls="correction"))
    assert len(page.find_all("li", cls="correction")) == 2  # the second correction of the shown answer has no lab
    assert "checked" in page.find("input", name="has_lab").attrs
    fixes = page.find("section", cls="errata-text-fixes")
    assert fixes.find("p", cls="empty").text().startswith("文字修订没有实验验证")
    body = client.get("/api/corrections?has_lab=1").json()
    assert body["filters"] == {"document": None, "topic": None, "has_lab": True}
    assert body["shown"] == {"corrections": 2, "questions": 1, "documents": 2, "text_fixes": 0, "with_lab": 2}


def test_the_form_keeps_its_choices_and_works_without_javascript(banks: ImportReport, client: TestClient) -> None:
    page = _page(client, f"?document={DOC_004}&topic={TRAINING}")
    form = page.find("form", cls="errata-filters")
    assert (form.attrs["method"], form.attrs["action"], form.attrs["hx-get"]) == ("get", "/corrections", "/corrections")
    selects = {select.attrs["name"]: select for select in form.find_all("select")}
    chosen = {name: [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs]
              for name, select in selects.items()}
    assert chosen == {"document": [DOC_004], "topic": [TRAINING]}
    assert [o.attrs["value"] for o in selects["document"].find_all("option")] == ["", DOC_000, DOC_001, DOC_004]
    assert [o.attrs["value"] for o in selects["topic"].find_all("option")] == ["", DISTRIBUTED, TRAINING]
    assert form.find("a", cls="reset").attrs["href"] == "/corrections"
    assert page.find("p", cls="result-count").text() == "显示 1 条勘误（1 道题）、1 处文字修订"


def test_htmx_gets_the_list_fragment(banks: ImportReport, client: TestClient) -> None:
    response = client.get(f"/corrections?topic={TRAINING}", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"].split(", ")
    fragment = parse(response.text)
    (root,) = [child for child in fragment.children if isinstance(child, Element)]
    assert root.attrs["id"] == "errata-list" and not fragment.find_all("form")
    assert _entries(fragment) == [("q-bf16-scaling", "shown", "840")]
    full = client.get(f"/corrections?topic={TRAINING}")
    assert "HX-Request" in full.headers["Vary"].split(", ") and parse(full.text).find("form", cls="errata-filters")


@pytest.mark.parametrize("query", ["", f"?document={DOC_000}", f"?topic={DISTRIBUTED}", "?has_lab=1",
                                   f"?document={DOC_004}&topic={TRAINING}"])
def test_the_json_twin_matches_the_page(banks: ImportReport, client: TestClient, query: str) -> None:
    page, body = _page(client, query), client.get(f"/api/corrections{query}").json()
    shown = body["shown"]
    assert len(page.find_all("li", cls="correction")) == shown["corrections"]
    assert len({li.attrs["data-question-id"] for li in page.find_all("li", cls="errata-entry")}) == shown["questions"]
    assert len(_groups(page)) == shown["documents"] == len(body["documents"])
    assert len(_fixes(page)) == shown["text_fixes"] == len(body["text_fixes"])
    assert _groups(page) == [group["document"] for group in body["documents"]]
    assert sum(group["corrections"] for group in body["documents"]) == shown["corrections"]
    assert page.find("p", cls="result-count").text() == (
        f"显示 {shown['corrections']} 条勘误（{shown['questions']} 道题）、{shown['text_fixes']} 处文字修订")


def test_the_json_entries_carry_what_the_page_shows(banks: ImportReport, client: TestClient) -> None:
    body = client.get("/api/corrections").json()
    entry = body["documents"][0]["entries"][0]
    assert {key: entry[key] for key in ("question_id", "url", "title", "topic", "location", "answer")} == {
        "question_id": "q-zero2-memory", "url": "/questions/q-zero2-memory", "title": "ZeRO-2 每卡要存多少模型状态？",
        "topic": DISTRIBUTED, "location": {"document": DOC_000, "line": 120}, "answer": "shown"}
    assert entry["corrections"][0]["sources"] == ["ZeRO 论文 §5.2", "DeepSpeed 文档"]
    assert entry["corrections"][0]["lab"]["id"] == "zero-memory" and entry["corrections"][1]["lab"] is None
    assert body["options"] == {"documents": [DOC_000, DOC_001, DOC_004], "topics": [DISTRIBUTED, TRAINING]}


def test_retired_questions_are_left_out(
    banks: ImportReport, import_into: ImportInto, client: TestClient, tmp_path: Path
) -> None:
    text = CORRECTIONS.read_text(encoding="utf-8")
    edited = tmp_path / "corrections.md"
    edited.write_text(text[: text.index("## ZeRO-2")] + text[text.index("## 混合精度"):], encoding="utf-8")
    assert import_into(edited).retired == 1  # q-zero2-memory leaves its bank
    page = _page(client)
    assert _entries(page) == [("q-bf16-scaling", "shown", "840")]
    assert _fixes(page) == [(DOC_004, "815", "q-loss-scaling")]
    assert client.get("/api/corrections").json()["summary"] == {
        "corrections": 1, "questions": 1, "documents": 1, "text_fixes": 1, "with_lab": 0}
    dashboard = parse(client.get("/").text).find("p", cls="errata-link")
    assert dashboard.find("span", cls="errata-link-count").text() == "1 条勘误、1 处文字修订"


def test_text_fixes_are_listed_with_their_place_and_question(banks: ImportReport, client: TestClient) -> None:
    page = _page(client)
    assert _fixes(page) == [(DOC_001, "230", "q-zero2-memory"), (DOC_004, "815", "q-loss-scaling"),
                            (DOC_004, "3972", "q-zero2-memory")]
    first = page.find("section", cls="errata-text-fixes").find("li", cls="text-fix")
    assert first.find("del").text() == "**优化器状态*占 12Ψ"  # as text, never rendered as Markdown
    assert first.find("ins").text() == "**优化器状态**占 12Ψ"
    assert first.find("dd", cls="text-fix-location").text() == f"{DOC_001}:230"
    link = first.find("dd", cls="text-fix-question").find("a")
    assert link.attrs["href"] == "/questions/q-zero2-memory" and link.text() == "ZeRO-2 每卡要存多少模型状态？"
    assert client.get("/api/corrections").json()["text_fixes"][1] == {
        "question_id": "q-loss-scaling", "title": "混合精度训练中为什么需要 loss scaling？", "topic": TRAINING,
        "original": "fp16 的最小正数约为 6e-8，很小的梯度会下益为零",
        "fixed": "fp16 的最小正数约为 6e-8，很小的梯度会下溢为零",
        "document": DOC_004, "line": 815, "url": "/questions/q-loss-scaling"}


def test_dashboard_and_topics_link_to_the_errata(banks: ImportReport, client: TestClient) -> None:
    dashboard = parse(client.get("/").text)
    link = dashboard.find("p", cls="errata-link")
    assert link.find("a").attrs["href"] == "/corrections" and link.find("a").text() == "原始文档勘误表"
    assert link.find("span", cls="errata-link-count").text() == "4 条勘误、3 处文字修订"
    banks_section = dashboard.find("h2", id="banks-heading")
    assert link in next(s for s in dashboard.find_all("section") if banks_section in s.children).walk()
    assert not dashboard.find("nav").find_all("a", href="/corrections")  # not in the (full) top nav
    topics = parse(client.get("/topics").text)
    assert topics.find("p", cls="lede").find("a", cls="errata-link").attrs["href"] == "/corrections"


def test_no_errata_no_dashboard_link(client: TestClient) -> None:
    assert not parse(client.get("/").text).find_all("p", cls="errata-link")
    body = client.get("/api/corrections").json()
    assert body["summary"]["corrections"] == 0 and body["documents"] == [] and body["text_fixes"] == []
    assert _page(client).find("p", cls="empty").text() == "没有符合条件的勘误。"


def test_english_labels(banks: ImportReport, client: TestClient) -> None:
    client.post("/settings/language", data={"language": "en"})
    page = _page(client)
    assert page.find("h1").text() == "Errata of the source documents"
    alternate = page.find("li", cls="errata-entry", data_answer="alternate")
    assert alternate.find("span", cls="errata-answer").text() == "Another document's answer"
    assert page.find("p", cls="result-count").text() == "Showing 4 corrections on 2 questions and 3 text fixes"


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_the_service_asks_the_database_twice(banks: ImportReport, engine: Engine, statements: list[str]) -> None:
    with Session(engine) as session:
        statements.clear()
        found = errata(session=session, filters=ErrataFilters.parse(has_lab="1"))
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
        statements.clear()
        counts = errata_counts(session=session)
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    assert counts == found.summary


def test_real_content_errata_match_the_database(import_into: ImportInto, engine: Engine, client: TestClient) -> None:
    import_into(CONTENT)
    with Session(engine) as session:
        active = col(Question.retired).is_(False)
        corrections = session.exec(select(func.count()).select_from(Correction).join(Question).where(active)).one()
        questions = session.exec(
            select(func.count(func.distinct(col(Correction.question_id)))).join(Question).where(active)).one()
        text_fixes = session.exec(select(func.count()).select_from(TextFix).join(Question).where(active)).one()
        counts = errata_counts(session=session)
    assert corrections > 0 and questions > 0 and text_fixes > 0
    body = client.get("/api/corrections").json()
    summary = body["summary"]
    assert (summary["corrections"], summary["questions"], summary["text_fixes"]) == (
        corrections, questions, text_fixes)
    assert summary == {"corrections": counts.corrections, "questions": counts.questions,
                       "documents": counts.documents, "text_fixes": counts.text_fixes, "with_lab": counts.with_lab}
    assert sum(group["corrections"] for group in body["documents"]) == corrections
    assert len(body["text_fixes"]) == text_fixes
    documents = [group["document"] for group in body["documents"]]
    assert documents == sorted(documents) and len(documents) == summary["documents"]
    for group in body["documents"]:
        lines = [entry["location"]["line"] for entry in group["entries"]]
        assert lines == sorted(lines) and all(e["location"]["document"] == group["document"] for e in group["entries"])
    page = _page(client)
    assert len(page.find_all("li", cls="correction")) == corrections
    assert len(_fixes(page)) == text_fixes
