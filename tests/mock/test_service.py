"""The round's domain rules over a real database: the server's deadline, autosave, hand-in, the time per question
and rounds that never mix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.mock.errors import AlreadyFinished, InvalidAnswer, InvalidSetup, TimeUp, UnknownInterview, UnknownPosition
from app.mock.service import Round, create_interview, finish_interview, load_round, save_answer
from app.mock.setup import MockSetup
from tests.mock.conftest import NOW, labels, snapshot, stored_answers


def start(session: Session, learner: int, **setup: object) -> Round:
    values = {"count": 3, "minutes": 10, "seed": 7, **setup}
    return create_interview(session=session, user_id=learner, setup=MockSetup.model_validate(values), now=NOW)


def position_of(current: Round, kind: str) -> int:
    return next(item.position for item in current.items if item.question.kind == kind)


def test_a_round_starts_with_a_fixed_deadline_and_one_empty_answer_per_position(session: Session,
                                                                               learner: int) -> None:
    current = start(session, learner, minutes=0.25, count=4)
    assert current.deadline - current.started_at == timedelta(seconds=15)
    assert current.started_at == NOW and current.status == "running" and current.remaining_ms == 15_000
    rows = stored_answers(session, current.id)
    assert [row.position for row in rows] == [1, 2, 3, 4]
    assert all(row.answer == "" and row.choice is None and row.saved_at is None for row in rows)
    assert len({row.question_id for row in rows}) == 4
    assert current.interview.settings["minutes"] == 0.25 and current.budget_ms == 15_000 // 4


def test_the_same_seed_draws_the_same_questions(session: Session, learner: int) -> None:
    first, second = start(session, learner, count=6), start(session, learner, count=6)
    assert [i.question.id for i in first.items] == [i.question.id for i in second.items]


def test_the_mix_gives_exact_counts_per_kind(session: Session, learner: int) -> None:
    current = start(session, learner, count=5, mix={"mcq": 2, "open": 1})
    kinds = sorted(item.question.kind for item in current.items)
    assert kinds.count("mcq") == 2 and kinds.count("open") + kinds.count("code") == 3
    assert kinds.count("open") >= 1
    only = start(session, learner, mix={"mcq": 3}, count=None)
    assert [item.question.kind for item in only.items] == ["mcq"] * 3


def test_an_unfillable_mix_names_the_field(session: Session, learner: int) -> None:
    with pytest.raises(InvalidSetup) as short:
        start(session, learner, topics=["大模型基础"], mix={"mcq": 1})
    assert short.value.field == "mix" and "选择题" in short.value.message("zh")
    with pytest.raises(InvalidSetup) as big:
        start(session, learner, count=2, mix={"open": 3})
    assert big.value.field == "mix"
    with pytest.raises(InvalidSetup) as topic:
        start(session, learner, topics=["没有这个主题"])
    assert topic.value.field == "topics" and "没有这个主题" in topic.value.message("zh")


def test_saves_keep_text_choice_and_flag(session: Session, learner: int) -> None:
    current = start(session, learner, mix={"mcq": 1, "open": 2})
    mcq, open_position = position_of(current, "mcq"), position_of(current, "open")
    right, _wrong = labels(session, current.item(mcq).question.id)
    later = NOW + timedelta(seconds=30)
    save_answer(session=session, user_id=learner, interview_id=current.id, position=open_position,
                answer="ZeRO 把优化器状态切分到各卡", now=later)
    save_answer(session=session, user_id=learner, interview_id=current.id, position=mcq, choice=right.lower(),
                flagged=True, now=later)
    after = load_round(session=session, user_id=learner, interview_id=current.id, now=later)
    assert after.item(open_position).answer.answer == "ZeRO 把优化器状态切分到各卡"
    assert after.item(mcq).chosen == [right] and after.item(mcq).answer.flagged is True
    assert after.item(open_position).answered and after.item(mcq).answered
    cleared = save_answer(session=session, user_id=learner, interview_id=current.id, position=mcq, choice="",
                          now=later).round
    assert cleared.item(mcq).chosen == [] and not cleared.item(mcq).answered


def test_answers_that_do_not_fit_the_question_are_refused(session: Session, learner: int) -> None:
    current = start(session, learner, mix={"mcq": 1, "open": 2})
    mcq, open_position = position_of(current, "mcq"), position_of(current, "open")
    cases = [({"position": mcq, "answer": "text"}, "answer"), ({"position": open_position, "choice": "A"}, "choice"),
             ({"position": mcq, "choice": "Z"}, "choice"), ({"position": open_position}, "answer")]
    for values, field in cases:
        with pytest.raises(InvalidAnswer) as refused:
            save_answer(session=session, user_id=learner, interview_id=current.id, now=NOW, **values)  # type: ignore[arg-type]
        assert refused.value.field == field
    with pytest.raises(UnknownPosition):
        save_answer(session=session, user_id=learner, interview_id=current.id, position=9, answer="x", now=NOW)
    with pytest.raises(UnknownInterview):
        save_answer(session=session, user_id=learner, interview_id=999, position=1, answer="x", now=NOW)


def test_after_the_deadline_a_save_is_refused_and_nothing_changes(session: Session, learner: int) -> None:
    current = start(session, learner, minutes=1, mix={"open": 3})
    save_answer(session=session, user_id=learner, interview_id=current.id, position=1, answer="在截止前写下",
                elapsed_ms=5000, now=NOW + timedelta(seconds=20))
    before = snapshot(session, current.id)
    for moment in (current.deadline, current.deadline + timedelta(minutes=5)):
        with pytest.raises(TimeUp) as late:
            save_answer(session=session, user_id=learner, interview_id=current.id, position=1, answer="截止后改写",
                        flagged=True, elapsed_ms=9000, now=moment)
        assert late.value.status == 409 and "时间到" in late.value.message("zh")
        assert "Time is up" in late.value.message("en")
    assert snapshot(session, current.id) == before
    assert load_round(session=session, user_id=learner, interview_id=current.id,
                      now=current.deadline).status == "expired"


def test_after_hand_in_answers_are_read_only(session: Session, learner: int) -> None:
    current = start(session, learner, mix={"open": 3})
    save_answer(session=session, user_id=learner, interview_id=current.id, position=2, answer="交卷前",
                now=NOW + timedelta(minutes=1))
    done = finish_interview(session=session, user_id=learner, interview_id=current.id, now=NOW + timedelta(minutes=2))
    assert done.status == "finished" and done.finished_at == NOW + timedelta(minutes=2)
    before = snapshot(session, current.id)
    with pytest.raises(AlreadyFinished) as refused:
        save_answer(session=session, user_id=learner, interview_id=current.id, position=2, answer="交卷后",
                    now=NOW + timedelta(minutes=3))
    assert refused.value.status == 409 and "只读" in refused.value.message("zh")
    assert snapshot(session, current.id) == before
    again = finish_interview(session=session, user_id=learner, interview_id=current.id, now=NOW + timedelta(minutes=4))
    assert again.finished_at == NOW + timedelta(minutes=2)  # a second hand-in changes nothing


def test_a_late_hand_in_ends_at_the_deadline(session: Session, learner: int) -> None:
    current = start(session, learner, minutes=2)
    done = finish_interview(session=session, user_id=learner, interview_id=current.id, now=NOW + timedelta(hours=1))
    assert done.finished_at == current.deadline


def test_time_per_question_is_capped_by_the_wall_clock(session: Session, learner: int) -> None:
    current = start(session, learner, minutes=10, mix={"open": 3})

    def report(position: int, elapsed_ms: int, seconds: float) -> int:
        saved = save_answer(session=session, user_id=learner, interview_id=current.id, position=position,
                            elapsed_ms=elapsed_ms, answer=f"第 {position} 题", now=NOW + timedelta(seconds=seconds))
        return saved.round.item(position).answer.time_spent_ms

    assert report(1, 4_000, 5) == 4_000  # honest: 4 s on the question, 5 s since the start
    assert report(1, 60_000, 8) == 7_000  # claims a minute, but only 3 s passed since the last save
    assert report(2, 2_000, 10) == 2_000
    assert report(2, 0, 11) == 2_000
    totals = sum(row.time_spent_ms for row in stored_answers(session, current.id))
    assert totals <= 11_000


def test_two_rounds_never_mix_answers(session: Session, learner: int) -> None:
    first = start(session, learner, mix={"open": 3}, seed=1)
    second = start(session, learner, mix={"open": 3}, seed=2)
    for position in (1, 2, 3):
        save_answer(session=session, user_id=learner, interview_id=first.id, position=position,
                    answer=f"第一场 {position}", now=NOW)
        save_answer(session=session, user_id=learner, interview_id=second.id, position=position,
                    answer=f"第二场 {position}", now=NOW)
    assert [row.answer for row in stored_answers(session, first.id)] == ["第一场 1", "第一场 2", "第一场 3"]
    assert [row.answer for row in stored_answers(session, second.id)] == ["第二场 1", "第二场 2", "第二场 3"]
    finish_interview(session=session, user_id=learner, interview_id=first.id, now=NOW)
    still_open = save_answer(session=session, user_id=learner, interview_id=second.id, position=1, answer="仍可作答",
                             now=NOW).round
    assert still_open.status == "running" and still_open.item(1).answer.answer == "仍可作答"
