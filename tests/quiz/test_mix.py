"""The quiz's kind mix, like the mock's: exactly n of each kind named, the kinds left blank fill the count."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Question, QuizSession
from app.quiz.errors import InvalidSetting, MixShort
from app.quiz.selection import QuizSetup, pick
from tests.study.dom import parse


def kinds(session: Session, ids: list[str]) -> Counter[str]:
    return Counter(question.kind for question in (session.get(Question, question_id) for question_id in ids)
                   if question is not None)


def test_every_kind_named_gives_exactly_that_mix(session: Session) -> None:
    ids, seed = pick(session=session, setup=QuizSetup(mix={"mcq": 2, "open": 3, "code": 0}, count=10, seed=7))
    assert kinds(session, ids) == Counter({"mcq": 2, "open": 3}) and len(ids) == 5
    again, _ = pick(session=session, setup=QuizSetup(mix={"mcq": 2, "open": 3, "code": 0}, count=10, seed=seed))
    assert again == ids  # the seed repeats the pick


def test_blank_kinds_fill_the_rest_of_the_count(session: Session) -> None:
    ids, _ = pick(session=session, setup=QuizSetup(mix={"mcq": 2}, count=6, seed=1))
    counted = kinds(session, ids)
    assert len(ids) == 6 and counted["mcq"] == 2 and counted["open"] + counted["code"] == 4


def test_a_mix_the_selection_cannot_fill_says_which_kind(session: Session) -> None:
    with pytest.raises(MixShort) as short:
        pick(session=session, setup=QuizSetup(topics=["大模型基础"], mix={"code": 40}, count=40))
    assert "编程题" in short.value.message("zh") and "coding" in short.value.message("en").lower()
    with pytest.raises(InvalidSetting):
        pick(session=session, setup=QuizSetup(mix={"mcq": 8}, count=5))


def test_the_setup_form_takes_the_mix(client: TestClient, session: Session) -> None:
    response = client.post("/quiz", data={"mix_mcq": "2", "mix_open": "1", "mix_code": "0", "count": "10"},
                           follow_redirects=False)
    assert response.status_code == 303
    quiz_id = int(response.headers["location"].rsplit("/", 1)[1])
    session.expire_all()
    quiz = session.get(QuizSession, quiz_id)
    assert quiz is not None and kinds(session, quiz.question_ids) == Counter({"mcq": 2, "open": 1})
    assert quiz.settings["mix"] == {"mcq": 2, "open": 1, "code": 0}
    bad = client.post("/quiz", data={"mix_mcq": "zwei", "count": "10"})
    assert bad.status_code == 422
    form = parse(bad.text).find("form", cls="quiz-setup-form")
    assert form.find("input", name="mix_mcq").attrs["value"] == "zwei"  # the form keeps what was typed
