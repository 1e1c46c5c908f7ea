"""The quiz's JSON API over the real content: create, read, answer (MCQ and open), results, and readable errors."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import content_kinds, content_question_count
from tests.quiz.conftest import answers, correct_label, logs, wrong_label


def start(client: TestClient, **setup: Any) -> dict[str, Any]:
    response = client.post("/api/quizzes", json=setup)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_returns_the_questions_without_their_answers(client: TestClient) -> None:
    quiz = start(client, topics=["分布式训练与系统架构"], kinds=["mcq", "code"], difficulty_min=2,
                 difficulty_max=8, count=5)
    assert quiz["total"] == len(quiz["questions"]) == 5
    assert quiz["settings"]["topics"] == ["分布式训练与系统架构"] and isinstance(quiz["settings"]["seed"], int)
    assert [q["position"] for q in quiz["questions"]] == [1, 2, 3, 4, 5]
    for question in quiz["questions"]:
        assert question["topic"] == "分布式训练与系统架构" and question["kind"] in ("mcq", "code")
        assert question["url"] == f"/questions/{question['id']}" and question["status"] == "unanswered"
        assert "outcome" not in question and "answer" not in question and "explanation" not in question
        if question["kind"] == "mcq":
            assert question["choices"] and all(set(choice) == {"label", "text"} for choice in question["choices"])
    same = client.get(f"/api/quizzes/{quiz['id']}").json()
    assert [q["id"] for q in same["questions"]] == [q["id"] for q in quiz["questions"]]


def test_a_seed_makes_the_pick_reproducible(client: TestClient) -> None:
    first = start(client, count=8, seed=2024)
    second = start(client, count=8, seed=2024)
    assert [q["id"] for q in first["questions"]] == [q["id"] for q in second["questions"]]


def test_validation_errors_name_the_field(client: TestClient) -> None:
    cases = {"count": {"count": 0}, "kinds": {"kinds": ["essay"]}, "difficulty_max": {"difficulty_min": 8,
             "difficulty_max": 2}, "difficulty_min": {"difficulty_min": 11}, "topic": {"topic": "typo"}}
    for field, body in cases.items():
        response = client.post("/api/quizzes", json=body)
        assert response.status_code == 422, (field, response.text)
        assert [field] == [error["loc"][1] for error in response.json()["detail"]], (field, response.json())
    unknown = client.post("/api/quizzes", json={"concepts": ["no-such-concept"]})
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "concepts" and "no-such-concept" in unknown.json()["detail"]


def test_an_empty_selection_is_a_clear_422(client: TestClient) -> None:
    response = client.post("/api/quizzes", json={"topics": ["大模型基础"], "kinds": ["mcq"]})
    assert response.status_code == 422
    assert response.json()["code"] == "empty_selection"
    assert "没有符合这些条件的题目" in response.json()["detail"]
    assert client.get("/api/quizzes").json()["quizzes"] == []


def test_mcq_answers_grade_at_once_and_once(client: TestClient, session: Session) -> None:
    quiz = start(client, kinds=["mcq"], count=2, seed=5)
    first, second = quiz["questions"]
    wrong = client.post(f"/api/quizzes/{quiz['id']}/answers/1", json={"choice": wrong_label(session, first["id"])})
    assert wrong.status_code == 200, wrong.text
    body = wrong.json()
    assert body["correct"] is False and body["correct_choice"] == correct_label(session, first["id"])
    assert body["reference_answer"] and body["duplicate"] is False
    assert body["review"]["rating"] == 1 and body["review"]["scheduled"] is True
    repeat = client.post(f"/api/quizzes/{quiz['id']}/answers/1", json={"choice": correct_label(session, first["id"])})
    assert repeat.json()["duplicate"] is True and repeat.json()["correct"] is False and repeat.json()["review"] is None
    assert len(answers(session, quiz["id"])) == 1 and len(logs(session, first["id"])) == 1
    right = client.post(f"/api/quizzes/{quiz['id']}/answers/2",
                        json={"choice": correct_label(session, second["id"]).lower()})
    assert right.json()["correct"] is True and right.json()["quiz"] == {"graded": 2, "correct": 1, "total": 2,
                                                                         "next_position": None}
    results = client.get(f"/api/quizzes/{quiz['id']}/results").json()
    assert (results["correct"], results["total"], results["percent"]) == (1, 2, 50)
    assert results["finished_at"] is not None
    assert [row["status"] for row in results["questions"]] == ["wrong", "right"]
    assert results["questions"][0]["url"] == f"/questions/{first['id']}"
    shown = client.get(f"/api/quizzes/{quiz['id']}").json()["questions"][0]
    assert shown["outcome"]["choice"] == wrong_label(session, first["id"])


def test_open_answers_with_self_grade(client: TestClient, session: Session) -> None:
    quiz = start(client, kinds=["open", "code"], count=3, seed=9)
    first, second, _third = quiz["questions"]
    revealed = client.post(f"/api/quizzes/{quiz['id']}/answers/1", json={"answer": "切分优化器状态"}).json()
    assert revealed["correct"] is None and revealed["review"] is None
    assert revealed["reference_answer"] and 3 <= len(revealed["key_points"]) <= 8  # every question has key points
    graded = client.post(f"/api/quizzes/{quiz['id']}/answers/1", json={"self_grade": 2}).json()
    assert graded["correct"] is True and graded["self_grade"] == 2 and graded["answer"] == "切分优化器状态"
    one_call = client.post(f"/api/quizzes/{quiz['id']}/answers/2",
                           json={"answer": "不会", "key_points_covered": [], "self_grade": 1}).json()
    assert one_call["correct"] is False and one_call["review"]["rating"] == 1
    assert [log.origin for log in logs(session, first["id"]) + logs(session, second["id"])] == ["quiz", "quiz"]
    results = client.get(f"/api/quizzes/{quiz['id']}/results").json()
    assert [row["status"] for row in results["questions"]] == ["right", "wrong", "unanswered"]
    assert results["finished_at"] is None and results["resume_position"] == 3


def test_answer_errors_name_the_field(client: TestClient, session: Session) -> None:
    mcq = start(client, kinds=["mcq"], count=1, seed=1)
    open_quiz = start(client, kinds=["open"], count=1, seed=1)
    cases = [
        (mcq, {"choice": "Z"}, 422, "choice"),
        (mcq, {"answer": "文字"}, 422, "choice"),
        (mcq, {}, 422, "choice"),
        (open_quiz, {"choice": "A"}, 422, "answer"),
        (open_quiz, {"self_grade": 3, "key_points_covered": [8]}, 422, "key_points_covered"),  # at most 8 points
    ]
    for quiz, body, status, field in cases:
        response = client.post(f"/api/quizzes/{quiz['id']}/answers/1", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    bad_grade = client.post(f"/api/quizzes/{open_quiz['id']}/answers/1", json={"self_grade": 7})
    assert bad_grade.status_code == 422 and bad_grade.json()["detail"][0]["loc"] == ["body", "self_grade"]
    assert client.post(f"/api/quizzes/{mcq['id']}/answers/2", json={"choice": "A"}).status_code == 404
    assert client.get("/api/quizzes/9999").status_code == 404
    assert client.get("/api/quizzes/9999/results").json()["code"] == "unknown_quiz"
    assert answers(session, mcq["id"]) == [] and answers(session, open_quiz["id"]) == []


def test_history_lists_quizzes_newest_first(client: TestClient) -> None:
    older = start(client, count=2, seed=1)
    newer = start(client, count=3, seed=2)
    listing = client.get("/api/quizzes").json()
    assert [quiz["id"] for quiz in listing["quizzes"]] == [newer["id"], older["id"]]
    assert listing["quizzes"][0]["total"] == 3 and listing["options"]["total"] == content_question_count()
    assert listing["options"]["kinds"] == content_kinds()
