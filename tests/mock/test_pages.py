"""The mock interview's HTML pages, driven in-process: set-up with presets and errors, the round as plain forms (no
JavaScript), the report with self-grades over HTMX, send-to-review, and the history."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.mock.conftest import Clock, labels, mock_logs, stored_answers
from tests.study.dom import parse

HTMX = {"HX-Request": "true"}


def start(client: TestClient, **form: str | list[str]) -> int:
    response = client.post("/mock", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/mock/(\d+)", response.headers["location"])
    assert match
    return int(match[1])


def test_setup_page_offers_presets_form_and_nav(client: TestClient) -> None:
    page = client.get("/mock")
    assert page.status_code == 200
    tree = parse(page.text)
    nav = tree.find("a", href="/mock")
    assert nav.text() == "模拟面试" and nav.attrs.get("aria-current") == "page"
    presets = [item.attrs["data-preset"] for item in tree.find("ul", data_testid="mock-presets").find_all("li")]
    assert presets[:2] == ["deepspeed-zero", "mixed-precision"]
    assert "45 分钟 DeepSpeed/ZeRO 专场" in page.text
    form = tree.find("form", data_testid="mock-setup")
    names = {element.attrs.get("name") for element in form.walk() if element.tag in ("input", "select")}
    assert names >= {"topics", "concepts", "difficulty_min", "difficulty_max", "count", "minutes",
                     "minutes_per_question", "mix_mcq", "mix_open", "mix_code", "focus_weak"}
    assert tree.find(data_testid="mock-history-empty")


def test_bad_settings_show_the_form_with_the_field(client: TestClient) -> None:
    page = client.post("/mock", data={"count": "0", "minutes": "abc"})
    assert page.status_code == 422
    errors = parse(page.text).find(data_testid="mock-setup-errors")
    fields = {item.attrs["data-field"] for item in errors.find_all("li")}
    assert fields == {"count", "minutes"}
    weak = client.post("/mock", data={"preset": "weak-areas"})
    assert weak.status_code == 422 and "还没有复习记录" in weak.text


def test_a_round_works_as_plain_forms(client: TestClient, session: Session, frozen: Clock) -> None:
    interview = start(client, count="2", minutes="5", mix_mcq="1", mix_open="1")
    page = client.get(f"/mock/{interview}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    tree = parse(page.text)
    root = tree.find(id="mock-round")
    assert root.attrs["data-api"] == f"/api/mock-interviews/{interview}" and int(root.attrs["data-deadline-ms"]) > 0
    forms = tree.find_all("form", cls="mock-question")
    assert len(forms) == 2 and ["hidden" in form.attrs for form in forms] == [False, True]
    assert tree.find(data_testid="mock-clock").text() == "5:00"
    kinds = {form.attrs["data-position"]: form.attrs["data-kind"] for form in forms}
    mcq = next(position for position, kind in kinds.items() if kind == "mcq")
    text = next(position for position, kind in kinds.items() if kind != "mcq")
    question_id = next(f.attrs["data-question-id"] for f in forms if f.attrs["data-position"] == mcq)
    right, _ = labels(session, question_id)
    moved = client.post(f"/mock/{interview}/answers/{mcq}", data={"choice": right, "flagged": "1", "go": text},
                        follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/mock/{interview}?q={text}"
    shown = parse(client.get(moved.headers["location"]).text)
    visible = [f for f in shown.find_all("form", cls="mock-question") if "hidden" not in f.attrs]
    assert [f.attrs["data-position"] for f in visible] == [text]
    assert shown.find("a", data_goto=mcq).attrs["data-flagged"] == "true"
    done = client.post(f"/mock/{interview}/answers/{text}", data={"answer": "纯表单的回答", "go": "finish"},
                       follow_redirects=False)
    assert done.headers["location"] == f"/mock/{interview}/report"
    rows = {row.position: row for row in stored_answers(session, interview)}
    assert rows[int(mcq)].choice == right and rows[int(mcq)].flagged and rows[int(text)].answer == "纯表单的回答"
    assert client.get(f"/mock/{interview}", follow_redirects=False).headers["location"] == f"/mock/{interview}/report"
    late = client.post(f"/mock/{interview}/answers/{text}", data={"answer": "改"}, follow_redirects=False)
    assert late.headers["location"] == f"/mock/{interview}/report"
    assert stored_answers(session, interview)[int(text) - 1].answer == "纯表单的回答"


def test_the_report_page_grades_and_sends_to_review(client: TestClient, session: Session, frozen: Clock) -> None:
    interview = start(client, count="2", minutes="5", mix_open="2")
    client.post(f"/mock/{interview}/answers/1", data={"answer": "第一题的回答", "go": "2"})
    client.post(f"/mock/{interview}/finish", data={"confirm": "1"})  # question 2 is unanswered: hand in anyway
    page = client.get(f"/mock/{interview}/report")
    tree = parse(page.text)
    score = tree.find(data_testid="mock-score")
    assert (score.attrs["data-right"], score.attrs["data-total"]) == ("0", "2")
    assert tree.find(data_testid="mock-ungraded") and tree.find(data_testid="mock-hint-how")
    assert "相邻两个字" in tree.find(data_testid="mock-hint-how").text()
    assert [row.attrs["data-status"] for row in tree.find(data_testid="mock-rows").find_all("tr", data_status=True)] \
        == ["ungraded", "unanswered"]
    graded = client.post(f"/mock/{interview}/answers/1/grade", data={"self_grade": "3"}, headers=HTMX)
    fragment = parse(graded.text)
    assert graded.status_code == 200 and "<html" not in graded.text
    assert fragment.find(data_testid="mock-score").attrs["data-right"] == "1"
    assert fragment.find("button", data_grade="3").attrs.get("aria-pressed") == "true"
    sent = parse(client.post(f"/mock/{interview}/review", headers=HTMX).text).find(data_testid="mock-sent")
    assert sent.attrs["data-sent"] == "1"
    again = parse(client.post(f"/mock/{interview}/review", headers=HTMX).text).find(data_testid="mock-sent")
    assert (again.attrs["data-sent"], again.attrs["data-already"]) == ("0", "1")
    assert len(mock_logs(session)) == 1
    history = parse(client.get("/mock").text).find(data_testid="mock-history")
    row = history.find("tr", data_interview_id=str(interview))
    assert row.attrs["data-state"] == "finished" and row.find("a", href=f"/mock/{interview}/report")


def test_a_running_report_sends_you_back_to_the_round(client: TestClient, frozen: Clock) -> None:
    interview = start(client, count="1", minutes="5")
    response = client.get(f"/mock/{interview}/report", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/mock/{interview}"
    assert client.get("/mock/999").status_code == 404
