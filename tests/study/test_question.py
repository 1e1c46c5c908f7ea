"""The question page and its JSON twin: answer behind a reveal, corrections above what they correct, the card,
the private note and the bookmark."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.content.importer import ImportReport
from app.review.service import grade
from app.study.service import related_questions
from tests.conftest import ImportInto
from tests.study.conftest import GOLDEN
from tests.study.dom import Element, parse

CARD_KEYS = {"state", "due", "stability", "difficulty", "last_review", "review_count"}


def test_question_json_has_everything_and_a_new_card(banks: ImportReport, client: TestClient) -> None:
    question = client.get("/api/questions/q-1a2b3c4d5e").json()
    assert question["kind"] == "open" and question["topic"] == "分布式训练与系统架构"
    assert question["sources"] == [{"document": "000_19bd2eb347514dbd.txt", "line": 120},
                                   {"document": "001_df8376fe26b6958d.txt", "line": 216}]
    (correction,) = question["corrections"]
    assert correction["sources"] == ["ZeRO 论文 §5", "DeepSpeed 文档"]
    first, second = question["alternates"]
    assert (first["document"], first["line"], len(first["corrections"])) == ("001_df8376fe26b6958d.txt", 216, 2)
    assert second["corrections"] == []
    assert [c["id"] for c in question["concepts"]] == ["zero", "deepspeed"]
    assert question["related"][0]["id"] == "q-mcq-zero2"  # shares both concepts
    assert question["card"] == {"state": "new", "due": None, "stability": None, "difficulty": None,
                                "last_review": None, "review_count": 0, "lapses": 0}
    assert (question["note"], question["bookmarked"], question["retired"]) == (None, False, False)


def test_question_json_includes_the_card_after_a_grade(banks: ImportReport, engine: Engine, client: TestClient) -> None:
    user_id = client.app.state.local_user_id  # type: ignore[attr-defined]
    graded_at = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    with Session(engine) as session:
        result = grade(session=session, user_id=user_id, question_id="q-mcq-zero2", rating=3, now=graded_at)
    card = client.get("/api/questions/q-mcq-zero2").json()["card"]
    assert CARD_KEYS <= set(card)
    assert card["state"] == result.state and card["review_count"] == 1 and card["stability"] > 0
    assert datetime.fromisoformat(card["due"]) == result.due
    assert datetime.fromisoformat(card["last_review"]) == graded_at
    page = parse(client.get("/questions/q-mcq-zero2").text)
    assert page.find("section", cls="card-state").attrs["data-state"] == result.state


def _answer(page: Element) -> Element:
    return page.find("details", cls="answer-section")


def test_answer_is_collapsed_until_revealed(banks: ImportReport, client: TestClient) -> None:
    page = parse(client.get("/questions/q-mcq-zero2").text)
    assert "open" not in _answer(page).attrs
    assert page.find("li", cls="choice", data_label="B")  # options are visible before the reveal
    revealed = parse(client.get("/questions/q-mcq-zero2?reveal=1").text)
    assert "open" in _answer(revealed).attrs
    assert _answer(revealed).find("p", cls="correct-choice").find("strong").text() == "B"


def _position(page: Element, element: Element) -> int:
    return next(index for index, candidate in enumerate(page.walk()) if candidate is element)


def test_corrections_stand_above_the_answers_they_correct(banks: ImportReport, client: TestClient) -> None:
    page = parse(client.get("/questions/q-1a2b3c4d5e").text)
    notice = page.find("p", cls="callout-correction", data_notice="corrections")
    assert "3" in notice.text()  # one on the answer, two on the first alternate; visible before the reveal
    answer = page.find("section", cls="answer")
    box = answer.find("aside", cls="corrections")
    (own,) = box.find_all("li", cls="correction")
    assert "模型状态" in own.text() and "ZeRO 论文 §5" in own.text()
    assert _position(page, box) < _position(page, answer.find("div", cls="answer-body"))
    alternate = page.find("article", cls="alternate", data_document="001_df8376fe26b6958d.txt")
    alternate_box = alternate.find("aside", cls="corrections")
    assert alternate_box.attrs["data-count"] == "2" and len(alternate_box.find_all("li", cls="correction")) == 2
    assert _position(page, alternate_box) < _position(page, alternate.find("div", cls="alternate-body"))
    other = page.find("article", cls="alternate", data_document="003_bd4bf7e953bc6448.txt")
    assert not other.find_all("aside", cls="corrections")  # an answer without corrections gets no box
    sources = [li.text() for li in page.find("ul", cls="sources").find_all("li")]
    # The documents by their titles, each linked to the cited line of the original.
    assert sources == ["大语言模型面试题及算法编程题解析 第 120 行", "大语言模型基本原理问答 第 216 行"]
    assert page.find("ul", cls="sources").find("a").attrs["href"] == "/sources/000_19bd2eb347514dbd.txt#L120"
    assert page.find("a", href="/concepts/zero")


def test_unanswered_and_retired_questions_say_so(
    banks: ImportReport, import_into: ImportInto, client: TestClient, tmp_path: Path
) -> None:
    unanswered = parse(client.get("/questions/q-open-todo").text)
    assert unanswered.find(data_notice="unanswered")
    assert not unanswered.find_all(data_notice="retired")
    # Deleting a question from its bank retires it: its page still renders, with a notice.
    edited = tmp_path / "golden.md"
    text = GOLDEN.read_text(encoding="utf-8")
    edited.write_text(text[: text.index("## 实现一个函数")], encoding="utf-8")
    assert import_into(edited).retired == 1
    retired = client.get("/questions/q-code-zero-memory")
    assert retired.status_code == 200 and parse(retired.text).find(data_notice="retired")
    assert client.get("/api/questions/q-code-zero-memory").json()["retired"] is True
    related = client.get("/api/questions/q-1a2b3c4d5e").json()["related"]
    assert [item["id"] for item in related] == ["q-mcq-zero2"]  # retired questions are not suggested


def test_related_questions_share_concepts_most_first(session: Session) -> None:
    related = [item.id for item in related_questions(session=session, question_id="q-1a2b3c4d5e")]
    assert related == ["q-mcq-zero2", "q-code-zero-memory"]
    assert [item.id for item in related_questions(session=session, question_id="q-mcq-pipeline")] == ["Q_pipeline.1"]


def test_note_saves_by_htmx_and_by_plain_form_and_json(banks: ImportReport, client: TestClient) -> None:
    fragment = client.post("/questions/q-mcq-zero2/note", data={"body": "记住：Stage 2 = 优化器状态 + 梯度"},
                           headers={"HX-Request": "true"})
    form = parse(fragment.text).find("form", id="note")
    assert form.find("textarea").text() == "记住：Stage 2 = 优化器状态 + 梯度"
    assert "已保存" in form.find("span", cls="note-status").text()
    assert client.get("/api/questions/q-mcq-zero2").json()["note"] == "记住：Stage 2 = 优化器状态 + 梯度"

    plain = client.post("/questions/q-mcq-zero2/note", data={"body": "第二版"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/questions/q-mcq-zero2")
    assert parse(client.get("/questions/q-mcq-zero2").text).find("textarea", id="note-body").text() == "第二版"

    saved = client.put("/api/questions/q-mcq-zero2/note", json={"body": "JSON 版"}).json()
    assert saved["body"] == "JSON 版" and saved["updated_at"]
    cleared = client.put("/api/questions/q-mcq-zero2/note", json={"body": "  "}).json()
    assert cleared["body"] is None
    assert client.get("/api/questions/q-mcq-zero2").json()["note"] is None
    assert client.put("/api/questions/nope/note", json={"body": "x"}).status_code == 404


def test_bookmark_toggle_and_bookmarks_list(banks: ImportReport, client: TestClient) -> None:
    toggled = client.post("/questions/q-mcq-zero2/bookmark", data={"bookmarked": "1"}, headers={"HX-Request": "true"})
    button = parse(toggled.text).find("button", id="bookmark-toggle")
    assert button.attrs["aria-pressed"] == "true"
    assert parse(toggled.text).find("input", name="bookmarked").attrs["value"] == "0"  # the next press removes it
    assert client.put("/api/questions/q-1a2b3c4d5e/bookmark").json() == {"question_id": "q-1a2b3c4d5e",
                                                                         "bookmarked": True}
    assert client.put("/api/questions/q-1a2b3c4d5e/bookmark").json()["bookmarked"] is True  # idempotent
    listed = [row["id"] for row in client.get("/api/bookmarks").json()]
    assert sorted(listed) == ["q-1a2b3c4d5e", "q-mcq-zero2"]
    page = parse(client.get("/bookmarks").text)
    assert sorted(li.attrs["data-question-id"] for li in page.find_all("li", cls="question-item")) == sorted(listed)

    plain = client.post("/questions/q-mcq-zero2/bookmark", data={"bookmarked": "0"}, follow_redirects=False)
    assert plain.status_code == 303
    assert client.delete("/api/questions/q-1a2b3c4d5e/bookmark").json()["bookmarked"] is False
    assert client.get("/api/bookmarks").json() == []
    assert "还没有收藏" in client.get("/bookmarks").text
    assert client.put("/api/questions/nope/bookmark").status_code == 404


def test_unknown_question_is_a_readable_404(banks: ImportReport, client: TestClient) -> None:
    page = client.get("/questions/no-such-question")
    assert page.status_code == 404
    assert "题目 no-such-question 不存在" in parse(page.text).find("main").text()
    assert client.get("/api/questions/no-such-question").json() == {"detail": "题目 no-such-question 不存在。"}
    assert client.post("/questions/no-such-question/note", data={"body": "x"}).status_code == 404
