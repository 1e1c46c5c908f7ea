"""Every learner's data is theirs alone: for each resource, what ana makes, ben never sees — not on a page, not in
the JSON twin, not in a list or a dashboard — and asking for it by its address gives ben 404, as for nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import DATA

Learners = tuple[TestClient, TestClient]
ANA_NOTE = "ana 的私人笔记：ZeRO-3 也切参数"
ANA_MOCK_ANSWER = "ana 在模拟面试里写下的回答"
ANA_OWN_PROMPT = "ana 自己的措辞"


def _first_question(client: TestClient) -> str:
    question_id: str = client.get("/api/review/next").json()["card"]["question_id"]
    return question_id


def _all_404(client: TestClient, requests: list[tuple[str, str, dict[str, Any] | None]]) -> None:
    for method, path, body in requests:
        response = client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.status_code, response.text[:200])


def test_cards_and_review_logs(learners: Learners, team_engine: Engine) -> None:
    ana, ben = learners
    question = _first_question(ana)
    assert ana.post(f"/api/review/{question}", json={"rating": 3, "reps": 0}).status_code == 200
    assert ana.get("/api/dashboard").json()["reviewed_today"] == 1
    assert ben.get("/api/dashboard").json()["reviewed_today"] == 0
    assert ben.get("/api/dashboard").json()["streak_days"] == 0
    assert ben.get(f"/api/questions/{question}").json()["card"]["state"] == "new"
    assert ana.get(f"/api/questions/{question}").json()["card"]["state"] != "new"
    assert ben.get("/api/review/next").json()["card"]["question_id"] == question  # still new for ben
    # ben's undo has nothing to undo: ana's grade stays.
    ben.post("/api/review/undo")
    assert ana.get("/api/dashboard").json()["reviewed_today"] == 1
    # ben grading the same question makes his own card and log, beside ana's.
    assert ben.post(f"/api/review/{question}", json={"rating": 1, "reps": 0}).status_code == 200
    with team_engine.connect() as connection:
        rows = connection.execute(text(
            'SELECT u.name, l.rating FROM review_log l JOIN "user" u ON u.id = l.user_id ORDER BY u.name')).all()
    assert [tuple(row) for row in rows] == [("ana", 3), ("ben", 1)]
    assert ana.get(f"/api/questions/{question}").json()["card"]["review_count"] == 1


def test_notes(learners: Learners) -> None:
    ana, ben = learners
    question = _first_question(ana)
    assert ana.put(f"/api/questions/{question}/note", json={"body": ANA_NOTE}).status_code == 200
    assert ana.get(f"/api/questions/{question}").json()["note"] == ANA_NOTE
    assert ben.get(f"/api/questions/{question}").json()["note"] is None
    page = ben.get(f"/questions/{question}")
    assert page.status_code == 200 and ANA_NOTE not in page.text
    assert ANA_NOTE in ana.get(f"/questions/{question}").text
    assert ANA_NOTE not in ben.get("/review").text


def test_bookmarks(learners: Learners) -> None:
    ana, ben = learners
    question = _first_question(ana)
    assert ana.put(f"/api/questions/{question}/bookmark").json()["bookmarked"] is True
    assert [item["id"] for item in ana.get("/api/bookmarks").json()] == [question]
    assert ben.get("/api/bookmarks").json() == []
    assert ben.get(f"/api/questions/{question}").json()["bookmarked"] is False
    title = ana.get("/api/bookmarks").json()[0]["title"]
    assert title not in ben.get("/bookmarks").text and title in ana.get("/bookmarks").text
    # ben removing "his" bookmark of that question leaves ana's.
    ben.delete(f"/api/questions/{question}/bookmark", headers={"Content-Type": "application/json"})
    assert len(ana.get("/api/bookmarks").json()) == 1


def test_card_controls(learners: Learners) -> None:
    ana, ben = learners
    question = _first_question(ana)
    assert ana.put(f"/api/questions/{question}/flag", json={"flag": "red"}).status_code == 200
    assert ana.put(f"/api/questions/{question}/own-prompt", json={"own_prompt": ANA_OWN_PROMPT}).status_code == 200
    assert ana.put(f"/api/questions/{question}/suspend").status_code == 200
    assert [card["question_id"] for card in ana.get("/api/cards").json()] == [question]
    assert ben.get("/api/cards").json() == []
    shown = f'href="/questions/{question}"'
    assert shown not in ben.get("/cards").text and shown in ana.get("/cards").text
    assert ANA_OWN_PROMPT not in ben.get(f"/questions/{question}").text
    controls = ben.get(f"/api/questions/{question}").json()["controls"]
    assert controls["flag"] is None and controls["suspended"] is False and controls["own_prompt"] is None
    assert ben.get("/api/review/next").json()["card"]["question_id"] == question  # suspended for ana only


def test_quizzes(learners: Learners) -> None:
    ana, ben = learners
    quiz = ana.post("/api/quizzes", json={"count": 2, "mix": {"mcq": 1, "open": 1}, "seed": 3}).json()
    quiz_id = quiz["id"]
    assert ana.get(f"/api/quizzes/{quiz_id}").status_code == 200
    assert ana.get(f"/quiz/{quiz_id}/1").status_code == 200
    _all_404(ben, [("GET", f"/api/quizzes/{quiz_id}", None), ("GET", f"/api/quizzes/{quiz_id}/results", None),
                   ("POST", f"/api/quizzes/{quiz_id}/answers/1", {"choice": "A"}),
                   ("GET", f"/quiz/{quiz_id}", None), ("GET", f"/quiz/{quiz_id}/1", None),
                   ("GET", f"/quiz/{quiz_id}/results", None)])
    form = ben.post(f"/quiz/{quiz_id}/1", data={"csrftoken": ben.headers["X-CSRFToken"], "choice": "A"})
    assert form.status_code == 404
    assert ben.get("/api/quizzes").json()["quizzes"] == []
    assert [item["id"] for item in ana.get("/api/quizzes").json()["quizzes"]] == [quiz_id]
    assert f"/quiz/{quiz_id}" not in ben.get("/quiz").text and f"/quiz/{quiz_id}" in ana.get("/quiz").text
    assert ana.get(f"/api/quizzes/{quiz_id}").json()["graded"] == 0  # ben's tries changed nothing


def test_mock_interviews(learners: Learners) -> None:
    ana, ben = learners
    mock_id = ana.post("/api/mock-interviews", json={"count": 2, "minutes": 30, "seed": 5}).json()["id"]
    saved = ana.put(f"/api/mock-interviews/{mock_id}/answers/1", json={"answer": ANA_MOCK_ANSWER, "choice": None})
    assert saved.status_code == 200
    _all_404(ben, [("GET", f"/api/mock-interviews/{mock_id}", None),
                   ("PUT", f"/api/mock-interviews/{mock_id}/answers/1", {"answer": "ben 覆盖", "choice": None}),
                   ("PUT", f"/api/mock-interviews/{mock_id}/answers/1/grade", {"self_grade": 4}),
                   ("POST", f"/api/mock-interviews/{mock_id}/finish", None),
                   ("GET", f"/api/mock-interviews/{mock_id}/report", None),
                   ("GET", f"/api/mock-interviews/{mock_id}/report.md", None),
                   ("GET", f"/mock/{mock_id}", None), ("GET", f"/mock/{mock_id}/finish", None),
                   ("GET", f"/mock/{mock_id}/report", None), ("GET", f"/mock/{mock_id}/report.md", None)])
    finish = ben.post(f"/mock/{mock_id}/finish", data={"csrftoken": ben.headers["X-CSRFToken"]})
    assert finish.status_code == 404
    assert ben.get("/api/mock-interviews").json()["rounds"] == []
    assert ANA_MOCK_ANSWER not in ben.get("/mock").text
    round_now = ana.get(f"/api/mock-interviews/{mock_id}").json()
    assert round_now["status"] == "running"  # ben's finish did not end it
    assert ANA_MOCK_ANSWER in ana.get(f"/mock/{mock_id}").text


def test_settings(learners: Learners) -> None:
    ana, ben = learners
    before = ben.get("/api/settings").json()
    changed = ana.put("/api/settings", json={"daily_new_limit": 7, "language": "en", "theme": "dark",
                                             "interview_date": "2099-01-01"})
    assert changed.status_code == 200
    assert ana.get("/api/settings").json()["daily_new_limit"] == 7
    assert ben.get("/api/settings").json() == before
    assert 'lang="en"' in ana.get("/settings").text and 'lang="zh-CN"' in ben.get("/settings").text
    assert ben.get("/api/plan").json()["interview_date"] is None


def test_own_lab_runs(learners: Learners) -> None:
    ana, ben = learners
    upload = ana.post("/labs/import", follow_redirects=False, files={
        "file": ("lora.json", (DATA / "labs" / "cpu-lora.json").read_bytes(), "application/json")})
    assert upload.status_code == 303
    run_id = int(upload.headers["location"].split("mine=")[1])
    assert ana.get(f"/api/lab-runs/{run_id}").status_code == 200
    assert ana.get("/api/labs/lora").json()["mine"]["run_id"] == run_id
    _all_404(ben, [("GET", f"/api/lab-runs/{run_id}", None), ("DELETE", f"/api/lab-runs/{run_id}", None),
                   ("POST", f"/api/lab-runs/{run_id}/cancel", None), ("GET", f"/labs/runs/{run_id}", None),
                   ("GET", f"/labs/runs/{run_id}/delete", None)])
    delete = ben.post(f"/labs/runs/{run_id}/delete", data={"csrftoken": ben.headers["X-CSRFToken"], "confirm": "1"})
    assert delete.status_code == 404
    assert ben.get("/api/labs/lora").json()["mine"] is None
    assert all(lab["mine"] is None for lab in ben.get("/api/labs").json()["labs"])
    ben_page = ben.get(f"/labs/lora?mine={run_id}").text
    assert f"/labs/runs/{run_id}/delete" not in ben_page
    assert f"/labs/runs/{run_id}/delete" in ana.get(f"/labs/lora?mine={run_id}").text
    # The reference result is everyone's: both see it.
    reference = ana.get("/api/labs/lora").json()["reference"]
    assert reference is not None and ben.get("/api/labs/lora").json()["reference"]["run_id"] == reference["run_id"]
    assert ana.get(f"/api/lab-runs/{run_id}").status_code == 200  # still there


def test_hiding_a_reference_is_an_admins(learners: Learners, team_app: Any, make_user: Any) -> None:
    from tests.accounts.conftest import sign_in, visitor

    ana, _ben = learners
    reference = ana.get("/api/labs/lora").json()["reference"]["run_id"]
    refused = ana.put(f"/api/lab-runs/{reference}/hidden", headers={"Content-Type": "application/json"})
    assert refused.status_code == 403
    assert "lab-hide" not in ana.get("/labs/lora").text
    make_user("boss", role="admin")
    boss = sign_in(visitor(team_app), "boss")
    assert 'data-testid="lab-hide"' in boss.get("/labs/lora").text
    hidden = boss.put(f"/api/lab-runs/{reference}/hidden", headers={"Content-Type": "application/json"})
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True


@pytest.mark.parametrize("path", ["/", "/review", "/cards", "/bookmarks", "/quiz", "/mock", "/plan", "/settings",
                                  "/labs"])
def test_pages_show_only_the_viewers_own_name(learners: Learners, path: str) -> None:
    ana, ben = learners
    page = ben.get(path)
    assert page.status_code == 200
    assert "ben" in page.text and "已登录：ana" not in page.text
