"""The review service over a real database: queue order, the daily new limit, intervals, undo, quiz practice,
retired questions, idempotent grades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from app.models import Question, ReviewCard, ReviewLog, UserSettings
from app.review.scheduling import interval_text
from app.review.screen import review_screen
from app.review.service import (
    GradeConflict,
    NothingToUndo,
    QuestionRetired,
    StaleCard,
    UnknownQuestion,
    card_state,
    grade,
    queue_counts,
    record_practice,
    undo_last,
)
from tests.review.conftest import NOW, QUESTION_IDS, ZONE

SHANGHAI = ZoneInfo(ZONE)


def logs(session: Session, question_id: str | None = None) -> list[ReviewLog]:
    session.expire_all()
    query = select(ReviewLog).order_by(col(ReviewLog.id))
    if question_id:
        query = query.where(col(ReviewLog.question_id) == question_id)
    return list(session.exec(query).all())


def shown(session: Session, learner: int, *, limit: int = 20, now: datetime = NOW) -> str | None:
    screen = review_screen(session=session, user_id=learner, daily_new_limit=limit, desired_retention=0.9,
                           zone=SHANGHAI, now=now)
    return screen.item.question.id if screen.item else None


def add_card(session: Session, learner: int, question_id: str, *, due: datetime, stability: float = 5.0) -> None:
    session.add(ReviewCard(user_id=learner, question_id=question_id, state=2, step=None, stability=stability,
                           difficulty=5.0, due=due, last_review=due - timedelta(days=5), reps=3))
    session.commit()


def test_due_cards_come_first_oldest_first_then_new_in_bank_order(session: Session, learner: int) -> None:
    add_card(session, learner, "q-review-5", due=NOW - timedelta(hours=1))
    add_card(session, learner, "q-review-3", due=NOW - timedelta(days=2))
    add_card(session, learner, "q-review-1", due=NOW + timedelta(days=3))  # not due yet
    order = []
    for _ in range(4):
        question_id = shown(session, learner)
        assert question_id is not None
        order.append(question_id)
        grade(session=session, user_id=learner, question_id=question_id, rating=4, now=NOW)
    assert order == ["q-review-3", "q-review-5", "q-review-2", "q-review-4"]


def test_daily_new_limit_counts_the_learners_day(session: Session, learner: int) -> None:
    # 01:00 in Shanghai on 10 March is still 9 March in UTC: it counts toward the Shanghai day.
    early = datetime(2024, 3, 9, 17, 0, tzinfo=UTC)
    for question_id in ("q-review-1", "q-review-2"):
        grade(session=session, user_id=learner, question_id=question_id, rating=4, now=early)
    counts = queue_counts(session=session, user_id=learner, daily_new_limit=3, zone=SHANGHAI, now=NOW)
    assert (counts.new_available, counts.new_today, counts.reviewed_today, counts.due_now) == (1, 2, 2, 0)
    grade(session=session, user_id=learner, question_id="q-review-3", rating=4, now=NOW)
    assert shown(session, learner, limit=3) is None
    screen = review_screen(session=session, user_id=learner, daily_new_limit=3, desired_retention=0.9,
                           zone=SHANGHAI, now=NOW)
    assert screen.limit_reached and screen.next_due is not None and screen.next_due > NOW
    tomorrow = NOW + timedelta(days=1)
    assert queue_counts(session=session, user_id=learner, daily_new_limit=3, zone=SHANGHAI, now=tomorrow).new_today == 0
    assert shown(session, learner, limit=3, now=tomorrow) == "q-review-4"


def test_a_zero_limit_shows_only_due_cards(session: Session, learner: int) -> None:
    assert shown(session, learner, limit=0) is None
    add_card(session, learner, "q-review-6", due=NOW)
    assert shown(session, learner, limit=0) == "q-review-6"


def test_buttons_preview_the_interval_the_grade_gives(session: Session, learner: int) -> None:
    screen = review_screen(session=session, user_id=learner, daily_new_limit=20, desired_retention=0.9,
                           zone=SHANGHAI, now=NOW)
    assert screen.item is not None and screen.item.version == 0
    previews = {preview.rating: preview.interval for preview in screen.item.previews}
    assert previews == {1: "1分钟", 2: "6分钟", 3: "10分钟", 4: "8天"}
    result = grade(session=session, user_id=learner, question_id="q-review-1", rating=3, expected_reps=0, now=NOW)
    assert (result.interval, result.state, result.reps) == ("10分钟", "learning", 1)
    assert result.due == NOW + timedelta(minutes=10)
    # The buttons tell the truth: every rating gives exactly the interval its button showed.
    for question_id, rating in (("q-review-2", 1), ("q-review-3", 2), ("q-review-4", 4)):
        assert grade(session=session, user_id=learner, question_id=question_id, rating=rating,
                     now=NOW).interval == previews[rating]


def test_a_review_card_gets_the_interval_its_button_shows(session: Session, learner: int) -> None:
    add_card(session, learner, "q-review-4", due=NOW - timedelta(days=1), stability=12.0)
    screen = review_screen(session=session, user_id=learner, daily_new_limit=20, desired_retention=0.9,
                           zone=SHANGHAI, now=NOW)
    assert screen.item is not None and (screen.item.question.id, screen.item.version) == ("q-review-4", 3)
    good = screen.item.previews[2]
    result = grade(session=session, user_id=learner, question_id="q-review-4", rating=3, expected_reps=3, now=NOW)
    assert (result.interval, result.interval_seconds) == (good.interval, good.seconds) and result.state == "review"


def test_fitted_parameters_and_retention_change_the_schedule(session: Session, learner: int) -> None:
    add_card(session, learner, "q-review-1", due=NOW, stability=10.0)
    def good_days(retention: float) -> float:
        screen = review_screen(session=session, user_id=learner, daily_new_limit=0, desired_retention=retention,
                               zone=SHANGHAI, now=NOW)
        assert screen.item is not None
        return screen.item.previews[2].seconds / 86400
    assert good_days(0.8) > good_days(0.9) > good_days(0.97)
    before = good_days(0.9)
    parameters = [0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 2.5, 0.1666, 0.796, 1.4835, 0.0614,
                  0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542]  # w8 raised: recall grows more
    session.add(UserSettings(user_id=learner, fsrs_parameters=parameters))
    session.commit()
    assert good_days(0.9) > before


@pytest.mark.parametrize(("delta", "zh", "en"), [
    (timedelta(seconds=20), "1分钟", "1m"), (timedelta(minutes=10), "10分钟", "10m"),
    (timedelta(hours=5), "5小时", "5h"),
    (timedelta(days=1), "1天", "1d"), (timedelta(days=4, hours=3), "4天", "4d"), (timedelta(days=60), "2个月", "2mo"),
    (timedelta(days=45), "1.5个月", "1.5mo"), (timedelta(days=548), "1.5年", "1.5y"),
])
def test_interval_text(delta: timedelta, zh: str, en: str) -> None:
    assert (interval_text(delta, "zh"), interval_text(delta, "en")) == (zh, en)


def test_undo_restores_the_card_and_deletes_the_log(session: Session, learner: int) -> None:
    add_card(session, learner, "q-review-1", due=NOW - timedelta(days=1))
    before = card_state(session=session, user_id=learner, question_id="q-review-1")
    grade(session=session, user_id=learner, question_id="q-review-1", rating=1, expected_reps=3, duration_ms=4200,
          now=NOW)
    lapsed = card_state(session=session, user_id=learner, question_id="q-review-1")
    assert lapsed is not None and lapsed["state"] == "relearning" and lapsed["lapses"] == 1
    assert logs(session)[0].duration_ms == 4200 and logs(session)[0].card_before["reps"] == 3
    undone = undo_last(session=session, user_id=learner)
    assert (undone.question_id, undone.rating, undone.reps) == ("q-review-1", 1, 3)
    assert card_state(session=session, user_id=learner, question_id="q-review-1") == before
    assert logs(session) == []
    # The version is free again: it can be graded anew.
    again = grade(session=session, user_id=learner, question_id="q-review-1", rating=3, expected_reps=3, now=NOW)
    assert not again.duplicate and again.reps == 4


def test_undo_of_a_new_card_makes_it_new_again(session: Session, learner: int) -> None:
    grade(session=session, user_id=learner, question_id="q-review-1", rating=3, now=NOW)
    grade(session=session, user_id=learner, question_id="q-review-2", rating=3, now=NOW + timedelta(seconds=5))
    assert undo_last(session=session, user_id=learner).question_id == "q-review-2"
    assert undo_last(session=session, user_id=learner).question_id == "q-review-1"
    assert card_state(session=session, user_id=learner, question_id="q-review-1") is None
    assert queue_counts(session=session, user_id=learner, daily_new_limit=3, zone=SHANGHAI, now=NOW).new_today == 0
    with pytest.raises(NothingToUndo):
        undo_last(session=session, user_id=learner)


def test_undo_refuses_when_the_card_moved_on_in_a_quiz(session: Session, learner: int) -> None:
    grade(session=session, user_id=learner, question_id="q-review-1", rating=3, now=NOW)
    record_practice(session=session, user_id=learner, question_id="q-review-1", correct=False, origin="quiz",
                    now=NOW + timedelta(minutes=1))
    with pytest.raises(NothingToUndo):
        undo_last(session=session, user_id=learner)
    assert len(logs(session)) == 2


def test_record_practice_rules(session: Session, learner: int) -> None:
    add_card(session, learner, "q-review-1", due=NOW + timedelta(days=3))  # not due
    add_card(session, learner, "q-review-2", due=NOW - timedelta(days=1))  # due
    ahead = record_practice(session=session, user_id=learner, question_id="q-review-1", correct=True, origin="quiz",
                            now=NOW)
    assert not ahead.scheduled and ahead.rating == 3 and ahead.due == NOW + timedelta(days=3)
    assert card_state(session=session, user_id=learner, question_id="q-review-1")["reps"] == 3  # type: ignore[index]
    on_time = record_practice(session=session, user_id=learner, question_id="q-review-2", correct=True, origin="mock",
                              now=NOW)
    assert on_time.scheduled and on_time.rating == 3 and on_time.due > NOW + timedelta(days=1)
    wrong = record_practice(session=session, user_id=learner, question_id="q-review-1", correct=False, origin="quiz",
                            now=NOW)
    assert wrong.scheduled and wrong.rating == 1 and wrong.state == "relearning"
    new = record_practice(session=session, user_id=learner, question_id="q-review-3", correct=True, origin="quiz",
                          now=NOW)
    assert new.scheduled and new.state == "learning"
    recorded = [(log.question_id, log.origin, log.rating, log.scheduled, log.idempotency_key) for log in logs(session)]
    assert recorded == [
        ("q-review-1", "quiz", 3, False, None), ("q-review-2", "mock", 3, True, f"{learner}:q-review-2:3"),
        ("q-review-1", "quiz", 1, True, f"{learner}:q-review-1:3"),
        ("q-review-3", "quiz", 3, True, f"{learner}:q-review-3:0"),
    ]


def test_retired_questions_never_appear(session: Session, learner: int) -> None:
    add_card(session, learner, "q-review-2", due=NOW - timedelta(days=1))
    for question_id in ("q-review-1", "q-review-2"):
        question = session.get(Question, question_id)
        assert question is not None
        question.retired = True
        session.add(question)
    session.commit()
    counts = queue_counts(session=session, user_id=learner, daily_new_limit=100, zone=SHANGHAI, now=NOW)
    assert (counts.due_now, counts.new_available) == (0, len(QUESTION_IDS) - 2)
    assert shown(session, learner) == "q-review-3"
    with pytest.raises(QuestionRetired):
        grade(session=session, user_id=learner, question_id="q-review-1", rating=3, now=NOW)
    with pytest.raises(UnknownQuestion):
        grade(session=session, user_id=learner, question_id="q-nope", rating=3, now=NOW)


def test_same_version_twice_writes_one_log(session: Session, learner: int) -> None:
    first = grade(session=session, user_id=learner, question_id="q-review-1", rating=3, expected_reps=0, now=NOW)
    second = grade(session=session, user_id=learner, question_id="q-review-1", rating=3, expected_reps=0,
                   now=NOW + timedelta(seconds=2))
    assert not first.duplicate and second.duplicate
    assert (second.log_id, second.due, second.reps, second.interval) == (first.log_id, first.due, 1, first.interval)
    with pytest.raises(GradeConflict) as conflict:
        grade(session=session, user_id=learner, question_id="q-review-1", rating=1, expected_reps=0, now=NOW)
    assert "良好" in conflict.value.message("zh") and "Good" in conflict.value.message("en")
    with pytest.raises(StaleCard):
        grade(session=session, user_id=learner, question_id="q-review-1", rating=3, expected_reps=5, now=NOW)
    assert len(logs(session)) == 1
    assert card_state(session=session, user_id=learner, question_id="q-review-1")["reps"] == 1  # type: ignore[index]
