"""The mock interview's JSON API over the real content: create, read, autosave, the deadline, hand-in, report,
Markdown, self-grades, send-to-review, presets and readable errors."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.mock.conftest import Clock, labels, mock_logs, snapshot


def start(client: TestClient, **setup: Any) -> dict[str, Any]:
    response = client.post("/api/mock-interviews", json=setup)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def put(client: TestClient, interview_id: int, position: int, **body: Any) -> Any:
    return client.put(f"/api/mock-interviews/{interview_id}/answers/{position}", json=body)


def first(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(question for question in body["questions"] if question["kind"] == kind)


def test_create_accepts_fractional_minutes_and_hides_the_answers(client: TestClient, frozen: Clock) -> None:
    body = start(client, count=3, minutes=0.2, mix={"mcq": 1, "open": 2})
    assert set(body) >= {"id", "deadline", "questions", "started_at", "status", "remaining_ms"}
    assert body["status"] == "running" and body["remaining_ms"] == 12_000 and len(body["questions"]) == 3
    assert body["settings"]["minutes"] == 0.2 and "card_versions" not in body["settings"]
    for question in body["questions"]:
        assert question["saved"] == {"answer": "", "choice": [], "flagged": False, "time_spent_ms": 0,
                                     "saved_at": None, "revision": 0}
        assert "reference_answer" not in question and "correct_choice" not in question and "status" not in question
    assert all(set(c) == {"label", "text"} for c in first(body, "mcq")["choices"])
    again = client.get(f"/api/mock-interviews/{body['id']}").json()
    assert again["deadline"] == body["deadline"] and [q["id"] for q in again["questions"]] == [
        q["id"] for q in body["questions"]]


def test_autosave_answers_and_choices_and_read_them_back(client: TestClient, session: Session, frozen: Clock) -> None:
    body = start(client, count=3, minutes=5, mix={"mcq": 1, "open": 2})
    mcq, text = first(body, "mcq"), first(body, "open")
    right, _ = labels(session, mcq["id"])
    frozen.advance(seconds=3)
    saved = put(client, body["id"], text["position"], answer="先写一半", elapsed_ms=2500)
    assert saved.status_code == 200, saved.text
    assert saved.json()["answer"] == "先写一半" and saved.json()["time_spent_ms"] == 2500
    assert saved.json()["saved_at"] is not None and saved.json()["deadline"] == body["deadline"]
    frozen.advance(seconds=1)
    assert put(client, body["id"], text["position"], answer="先写一半，再写完").status_code == 200
    chosen = put(client, body["id"], mcq["position"], choice=right, flagged=True)
    assert chosen.status_code == 200 and chosen.json()["choice"] == [right] and chosen.json()["flagged"] is True
    state = client.get(f"/api/mock-interviews/{body['id']}").json()
    by_position = {q["position"]: q["saved"] for q in state["questions"]}
    assert by_position[text["position"]]["answer"] == "先写一半，再写完"
    assert by_position[mcq["position"]]["choice"] == [right] and by_position[mcq["position"]]["flagged"]
    wrong_kind = put(client, body["id"], mcq["position"], answer="text")
    assert wrong_kind.status_code == 422 and wrong_kind.json()["field"] == "answer"
    assert put(client, body["id"], 99, answer="x").status_code == 404
    assert client.get("/api/mock-interviews/999").status_code == 404


def test_an_answer_after_the_deadline_is_a_409_and_changes_nothing(client: TestClient, session: Session,
                                                                   frozen: Clock) -> None:
    body = start(client, count=2, minutes=0.5, mix={"open": 2})
    frozen.advance(seconds=10)
    assert put(client, body["id"], 1, answer="截止前的回答", elapsed_ms=8000).status_code == 200
    before = snapshot(session, body["id"])
    frozen.advance(seconds=25)  # 5 s past the deadline
    late = put(client, body["id"], 1, answer="截止后的改写", flagged=True, elapsed_ms=5000)
    assert late.status_code == 409
    assert late.json()["code"] == "time_up" and "时间到" in late.json()["detail"]
    assert "Time is up" in late.json()["messages"]["en"] and "截止" in late.json()["messages"]["zh"]
    assert put(client, body["id"], 2, answer="新的回答").status_code == 409
    assert snapshot(session, body["id"]) == before
    state = client.get(f"/api/mock-interviews/{body['id']}").json()
    assert state["status"] == "expired" and state["deadline"] == body["deadline"]


def test_a_real_short_round_runs_out(client: TestClient, session: Session) -> None:
    body = start(client, count=1, minutes=0.02, mix={"open": 1})  # 1.2 s, on the real clock
    assert put(client, body["id"], 1, answer="赶在截止前").status_code == 200
    before = snapshot(session, body["id"])
    time.sleep(1.3)
    assert put(client, body["id"], 1, answer="太晚了").status_code == 409
    assert snapshot(session, body["id"]) == before
    report = client.get(f"/api/mock-interviews/{body['id']}/report")
    assert report.status_code == 200 and report.json()["status"] == "finished"
    assert report.json()["questions"][0]["answer"] == "赶在截止前"


def test_finish_returns_the_report_and_makes_answers_read_only(client: TestClient, session: Session,
                                                               frozen: Clock) -> None:
    body = start(client, count=3, minutes=10, mix={"mcq": 2, "open": 1})
    mcqs = [q for q in body["questions"] if q["kind"] == "mcq"]
    text = first(body, "open")
    frozen.advance(seconds=30)
    put(client, body["id"], mcqs[0]["position"], choice=labels(session, mcqs[0]["id"])[0], elapsed_ms=30_000)
    frozen.advance(seconds=20)
    put(client, body["id"], mcqs[1]["position"], choice=labels(session, mcqs[1]["id"])[1], elapsed_ms=20_000)
    frozen.advance(seconds=60)
    put(client, body["id"], text["position"], answer="我的回答", elapsed_ms=60_000)
    assert client.get(f"/api/mock-interviews/{body['id']}/report").status_code == 409  # still running
    frozen.advance(seconds=5)
    finished = client.post(f"/api/mock-interviews/{body['id']}/finish")
    assert finished.status_code == 200
    report = finished.json()
    assert report["score"] == {"right": 1, "total": 3, "percent": 33, "wrong": 1, "ungraded": 1, "unanswered": 0}
    assert report["time_used_ms"] == 115_000
    times = {q["position"]: q["time_spent_ms"] for q in report["questions"]}
    assert times == {mcqs[0]["position"]: 30_000, mcqs[1]["position"]: 20_000, text["position"]: 60_000}
    assert sum(line["total"] for line in report["by_topic"]) == 3
    assert [point["id"] for point in report["trend"]] == [body["id"]] and report["delta"] is None
    open_row = next(q for q in report["questions"] if q["kind"] == "open")
    assert open_row["coverage"]["total"] == len(open_row["coverage"]["points"]) and open_row["reference_answer"]
    assert report["missed"] == [mcqs[1]["position"]]
    read_only = put(client, body["id"], text["position"], answer="改")
    assert read_only.status_code == 409 and read_only.json()["code"] == "finished"
    graded = client.put(f"/api/mock-interviews/{body['id']}/answers/{text['position']}/grade", json={"self_grade": 4})
    assert graded.status_code == 200 and graded.json()["score"]["right"] == 2
    revealed = client.get(f"/api/mock-interviews/{body['id']}").json()
    assert all("status" in q for q in revealed["questions"])
    assert first(revealed, "mcq")["correct_choice"]
    assert client.get(f"/api/mock-interviews/{body['id']}/report").json() == graded.json()


def test_send_missed_to_review_twice_logs_one_again_each(client: TestClient, session: Session,
                                                         frozen: Clock) -> None:
    body = start(client, count=3, minutes=10, mix={"mcq": 3})
    put(client, body["id"], 1, choice=labels(session, body["questions"][0]["id"])[1])  # wrong; 2 and 3 unanswered
    client.post(f"/api/mock-interviews/{body['id']}/finish")
    one = client.post(f"/api/mock-interviews/{body['id']}/review").json()
    two = client.post(f"/api/mock-interviews/{body['id']}/review").json()
    ids = sorted(q["id"] for q in body["questions"])
    assert sorted(one["sent"]) == ids and one["already"] == []
    assert two["sent"] == [] and sorted(two["already"]) == ids
    logs = mock_logs(session)
    assert sorted(log.question_id for log in logs) == ids and {log.rating for log in logs} == {1}
    assert client.get(f"/api/mock-interviews/{body['id']}/report").json()["review_sent_at"]


def test_the_report_exports_as_markdown(client: TestClient, frozen: Clock) -> None:
    body = start(client, count=2, minutes=3, mix={"open": 2}, title="周五练习")
    put(client, body["id"], 1, answer="答案第一行\n第二行")
    assert client.get(f"/api/mock-interviews/{body['id']}/report.md").status_code == 409
    client.post(f"/api/mock-interviews/{body['id']}/finish")
    exported = client.get(f"/api/mock-interviews/{body['id']}/report.md")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/markdown")
    assert f'mock-interview-{body["id"]}.md' in exported.headers["content-disposition"]
    assert exported.text.startswith("# 周五练习\n") and "> 答案第一行\n> 第二行" in exported.text
    page_twin = client.get(f"/mock/{body['id']}/report.md")
    assert page_twin.status_code == 200 and page_twin.text == exported.text


def test_presets_and_history_are_listed(client: TestClient, frozen: Clock) -> None:
    listing = client.get("/api/mock-interviews").json()
    titles = {preset["id"]: preset["title"] for preset in listing["presets"]}
    assert titles["deepspeed-zero"] == "45 分钟 DeepSpeed/ZeRO 专场"
    assert titles["mixed-precision"] == "30 分钟混合精度专场"
    assert listing["rounds"] == [] and listing["options"]["total"] > 0 and listing["weak_concepts"] == []
    made = start(client, preset="mixed-precision")
    assert made["settings"]["preset"] == "mixed-precision" and made["remaining_ms"] == 30 * 60_000
    rounds = client.get("/api/mock-interviews").json()["rounds"]
    assert [r["id"] for r in rounds] == [made["id"]] and rounds[0]["report_url"] is None


def test_validation_errors_name_the_field(client: TestClient) -> None:
    cases = {"count": {"count": 0}, "minutes": {"minutes": 0}, "difficulty_max": {"difficulty_min": 8,
             "difficulty_max": 2}, "mix": {"mix": {"essay": 1}}, "focus_weak": {"focus_weak": "maybe"},
             "minutes_per_question": {"minutes_per_question": -1}, "topic": {"topic": "typo"}}
    for field, body in cases.items():
        response = client.post("/api/mock-interviews", json=body)
        assert response.status_code == 422, (field, response.text)
        assert {error["loc"][1] for error in response.json()["detail"]} == {field}, (field, response.json())
    for body, field in (({"preset": "nope"}, "preset"), ({"count": 2, "mix": {"mcq": 3}}, "mix"),
                        ({"concepts": ["no-such-concept"]}, "concepts"), ({"focus_weak": True}, "focus_weak")):
        refused = client.post("/api/mock-interviews", json=body)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.json()
    assert client.get("/api/mock-interviews").json()["rounds"] == []
