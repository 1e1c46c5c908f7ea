"""Two submissions of the same quiz position at the same moment (a double click, two tabs), through two sessions on
two threads: one QuizAnswer, one practice log.

A barrier on the engine holds each thread at its first write to quiz_answer until both have read the position and
found it unanswered, so the race is real every run.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session

from app.quiz.selection import QuizSetup
from app.quiz.service import AnswerOutcome, answer_choice, create_quiz, grade_answer, save_answer
from tests.quiz.conftest import NOW, answers, logs, wrong_label


def race(engine: Engine, submit: Any) -> list[Any]:
    barrier = threading.Barrier(2, timeout=10)
    waited: set[int] = set()

    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        writes = statement.lstrip().upper().startswith(("INSERT INTO QUIZ_ANSWER", "UPDATE QUIZ_ANSWER"))
        if writes and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()

    outcomes: list[Any] = [None, None]

    def run(index: int) -> None:
        with Session(engine) as session:
            try:
                outcomes[index] = submit(session)
            except Exception as error:  # noqa: BLE001 - the test inspects whatever each request met
                outcomes[index] = error

    event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    return outcomes


def test_simultaneous_mcq_answers_log_once(engine: Engine, session: Session, learner: int) -> None:
    quiz = create_quiz(session=session, user_id=learner, setup=QuizSetup(kinds=["mcq"], count=2, seed=3), now=NOW)
    assert quiz.id is not None
    quiz_id, question_id = quiz.id, quiz.question_ids[0]
    label = wrong_label(session, question_id)
    outcomes = race(engine, lambda other: answer_choice(session=other, user_id=learner, quiz_id=quiz_id, position=1,
                                                        choice=label, now=NOW))
    assert all(isinstance(outcome, AnswerOutcome) for outcome in outcomes), outcomes
    assert sorted(outcome.duplicate for outcome in outcomes) == [False, True]
    assert len(answers(session, quiz_id)) == 1
    assert [log.rating for log in logs(session, question_id)] == [1]


def test_simultaneous_self_grades_log_once(engine: Engine, session: Session, learner: int) -> None:
    quiz = create_quiz(session=session, user_id=learner, setup=QuizSetup(kinds=["open"], count=1, seed=3), now=NOW)
    assert quiz.id is not None
    quiz_id, question_id = quiz.id, quiz.question_ids[0]
    save_answer(session=session, user_id=learner, quiz_id=quiz_id, position=1, answer="我的回答", now=NOW)
    outcomes = race(engine, lambda other: grade_answer(session=other, user_id=learner, quiz_id=quiz_id, position=1,
                                                       self_grade=3, now=NOW))
    assert all(isinstance(outcome, AnswerOutcome) for outcome in outcomes), outcomes
    assert sorted(outcome.duplicate for outcome in outcomes) == [False, True]
    [row] = answers(session, quiz_id)
    assert row.correct is True and row.answer == "我的回答"
    assert len(logs(session, question_id)) == 1
