"""The quiz's HTML pages, driven in-process: set-up form, plain-form answers (no JS), HTMX fragments, results."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.quiz.conftest import answers, correct_label, logs, wrong_label
from tests.study.dom import Element, parse

HTMX = {"HX-Request": "true"}


def start(client: TestClient, **form: str | list[str]) -> tuple[int, str]:
    """Submit the set-up form; (quiz id, the first question's page)."""
    response = client.post("/quiz", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/quiz/(\d+)", response.headers["location"])
    assert match
    first = client.get(response.headers["location"])
    assert first.status_code == 200 and first.url.path == f"/quiz/{match[1]}/1"
    return int(match[1]), first.text


def question_id(html: str) -> str:
    return parse(html).find("article", cls="quiz-card").attrs["data-question-id"]


def test_setup_page_offers_topics_concepts_kinds(client: TestClient) -> None:
    page = client.get("/quiz")
    assert page.status_code == 200
    form = parse(page.text).find("form", cls="quiz-setup-form")
    topics = [box.attrs["value"] for box in form.find_all("input", name="topics")]
    assert len(topics) == 8 and "分布式训练与系统架构" in topics
    assert {box.attrs["data-mix"] for box in form.find_all("input", data_mix=True)} == {"mcq", "open", "code"}
    concepts = form.find("select", name="concepts")
    assert "multiple" in concepts.attrs and len(concepts.find_all("option")) > 50
    assert concepts.find_all("optgroup")
    assert parse(page.text).find("p", data_testid="quiz-history-empty")


def test_bad_setups_show_the_form_again_with_why(client: TestClient) -> None:
    empty = client.post("/quiz", data={"topics": ["大模型基础"], "kinds": ["mcq"], "count": "5"})
    assert empty.status_code == 422
    errors = parse(empty.text).find("div", data_testid="quiz-setup-errors")
    assert "没有符合这些条件的题目" in errors.text()
    kept = parse(empty.text).find("input", name="topics", value="大模型基础")
    assert "checked" in kept.attrs  # the learner's choices survive the round trip
    bad_count = client.post("/quiz", data={"count": "十", "difficulty_min": "9", "difficulty_max": "3"})
    assert bad_count.status_code == 422
    fields = {item.attrs["data-field"] for item in parse(bad_count.text).find("div", data_testid="quiz-setup-errors")
              .find_all("li")}
    assert fields == {"count", "difficulty_max"}


def test_mcq_plain_form_post_returns_the_graded_page(client: TestClient, session: Session) -> None:
    quiz_id, html = start(client, kinds=["mcq"], count="2")
    qid = question_id(html)
    form = parse(html).find("form", cls="quiz-answer-form")
    assert form.attrs["action"] == form.attrs["hx-post"] == f"/quiz/{quiz_id}/1"
    radios = form.find_all("input", name="choice", type="radio")
    assert len(radios) >= 2
    wrong, right = wrong_label(session, qid), correct_label(session, qid)
    page = client.post(f"/quiz/{quiz_id}/1", data={"choice": ["", wrong], "shown_at": ""})
    assert page.status_code == 200 and "<html" in page.text  # the whole page, for a browser without JS
    graded = parse(page.text)
    assert graded.find("p", data_testid="quiz-verdict").attrs["data-correct"] == "false"
    assert graded.find("li", cls="quiz-choice", data_correct=True).attrs["data-label"] == right
    mine = graded.find("li", cls="quiz-choice", data_chosen=True)
    assert mine.attrs["data-label"] == wrong and "is-wrong" in mine.classes
    explanation = graded.find("section", data_testid="quiz-explanation")
    assert explanation.find("div", cls="markdown").text().strip()
    assert not graded.find_all("form", cls="quiz-answer-form")
    assert graded.find("a", data_testid="quiz-next").attrs["href"] == f"/quiz/{quiz_id}/2"
    again = client.post(f"/quiz/{quiz_id}/1", data={"choice": ["", right]})  # the browser's resubmit
    assert "已经作答过" in parse(again.text).find("p", data_testid="quiz-notice").text()
    assert len(answers(session, quiz_id)) == 1 and len(logs(session, qid)) == 1


def test_htmx_answer_returns_the_question_fragment(client: TestClient, session: Session) -> None:
    quiz_id, html = start(client, kinds=["mcq"], count="1")
    qid = question_id(html)
    fragment = client.post(f"/quiz/{quiz_id}/1", data={"choice": ["", correct_label(session, qid)]}, headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"].split(", ")
    section = parse(fragment.text).find("section", id="quiz-question")
    assert section.attrs["data-status"] == "right"
    assert section.find("a", data_testid="quiz-finish").attrs["href"] == f"/quiz/{quiz_id}/results"
    assert "已记入复习" in section.find("p", data_testid="quiz-notice").text()
    nothing_chosen = client.post(f"/quiz/{quiz_id}/1", data={"choice": [""]}, headers=HTMX)
    assert "已经作答过" in nothing_chosen.text  # answered positions stay answered


def test_htmx_refusal_is_swapped_with_its_reason(client: TestClient) -> None:
    quiz_id, _html = start(client, kinds=["mcq"], count="1")
    refused = client.post(f"/quiz/{quiz_id}/1", data={"choice": [""]}, headers=HTMX)
    assert refused.status_code == 200  # htmx swaps only successful responses
    assert "请先选择一个选项" in parse(refused.text).find("p", data_testid="quiz-error").text()
    plain = client.post(f"/quiz/{quiz_id}/1", data={"choice": [""]})
    assert plain.status_code == 422 and "<html" in plain.text


def reference(html: str) -> Element:
    return parse(html).find("section", data_testid="quiz-reference")


def test_open_question_compare_then_grade(client: TestClient, session: Session) -> None:
    quiz_id, html = start(client, kinds=["open"], count="2")
    qid = question_id(html)
    assert parse(html).find("textarea", name="answer")
    shown = client.post(f"/quiz/{quiz_id}/1", data={"answer": "数据并行 + <b>切分</b>"}, headers=HTMX)
    dom = parse(shown.text)
    assert dom.find("pre", data_testid="quiz-written").text() == "数据并行 + <b>切分</b>"  # escaped, as written
    assert reference(shown.text).find("div", cls="markdown").text().strip()
    points = dom.find("fieldset", cls="quiz-key-points").find_all("input", name="key_points")
    assert 3 <= len(points) <= 8 and [point.attrs["value"] for point in points] == [str(i) for i in range(len(points))]
    buttons = dom.find("form", cls="quiz-grade-form").find_all("button", name="self_grade")
    assert [button.attrs["value"] for button in buttons] == ["1", "2", "3", "4"]
    assert logs(session, qid) == []
    graded = client.post(f"/quiz/{quiz_id}/1/grade", data={"self_grade": "1"})
    verdict = parse(graded.text).find("p", data_testid="quiz-verdict")
    assert verdict.attrs["data-correct"] == "false" and "没答对" in verdict.text()
    assert [log.rating for log in logs(session, qid)] == [1]
    revisit = client.get(f"/quiz/{quiz_id}/1")
    assert not parse(revisit.text).find_all("form", cls="quiz-grade-form")


def test_resume_results_and_history(client: TestClient, session: Session) -> None:
    quiz_id, html = start(client, kinds=["mcq"], count="2")
    client.post(f"/quiz/{quiz_id}/1", data={"choice": ["", wrong_label(session, question_id(html))]})
    resumed = client.get(f"/quiz/{quiz_id}")
    assert resumed.url.path == f"/quiz/{quiz_id}/2"
    client.post(f"/quiz/{quiz_id}/2", data={"choice": ["", correct_label(session, question_id(resumed.text))]})
    assert client.get(f"/quiz/{quiz_id}").url.path == f"/quiz/{quiz_id}/results"
    results = parse(client.get(f"/quiz/{quiz_id}/results").text)
    score = results.find("section", data_testid="quiz-score")
    assert (score.attrs["data-correct"], score.attrs["data-total"]) == ("1", "2")
    rows = results.find("table", data_testid="quiz-result-rows").find_all("tr", data_position=True)
    assert [row.attrs["data-status"] for row in rows] == ["wrong", "right"]
    for row in rows:
        assert row.find("a", href=f"/questions/{row.attrs['data-question-id']}")
    assert results.find("table", data_testid="quiz-by-topic").find_all("tr", data_topic=True)
    history = parse(client.get("/quiz").text).find("table", data_testid="quiz-history")
    assert history.find("tr", data_quiz_id=str(quiz_id)).find("a", href=f"/quiz/{quiz_id}/results")
    assert client.get(f"/quiz/{quiz_id}/3").status_code == 404
    assert client.get("/quiz/999/results").status_code == 404
