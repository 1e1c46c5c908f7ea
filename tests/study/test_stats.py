"""Dashboard statistics over real review rows: days in the learner's zone, streak, retention, mastery, heatmap."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.study.stats import (
    HEATMAP_WEEKS,
    heatmap,
    mastery_by_topic,
    retention,
    reviews_by_day,
    streak_days,
)
from tests.study.conftest import add_card, add_log

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # UTC+5:45, the awkward case for bucketing


def test_grades_are_counted_on_the_learners_calendar_day(session: Session, learner: int) -> None:
    # 15:30 and 16:10 UTC are the same UTC day, but 23:30 and 00:10 the next day in Shanghai.
    for hour, minute in [(15, 30), (16, 10), (16, 20)]:
        add_log(session, user_id=learner, question_id="q-mcq-zero2", at=datetime(2024, 3, 10, hour, minute, tzinfo=UTC))
    session.commit()
    assert reviews_by_day(session=session, user_id=learner, zone=SHANGHAI) == {
        date(2024, 3, 10): 1, date(2024, 3, 11): 2,
    }
    assert reviews_by_day(session=session, user_id=learner, zone=UTC) == {date(2024, 3, 10): 3}


def test_days_split_exactly_at_a_quarter_hour_offset(session: Session, learner: int) -> None:
    # Kathmandu midnight is 18:15 UTC: 18:14 belongs to one day, 18:16 to the next.
    for minute in (14, 16):
        add_log(session, user_id=learner, question_id="q-mcq-zero2", at=datetime(2024, 3, 10, 18, minute, tzinfo=UTC))
    session.commit()
    counts = reviews_by_day(session=session, user_id=learner, zone=KATHMANDU)
    assert counts == {date(2024, 3, 10): 1, date(2024, 3, 11): 1}


def test_other_learners_grades_do_not_count(session: Session, learner: int) -> None:
    from app.users import ensure_local_user

    other = ensure_local_user(session=session, name="someone-else").id
    assert other is not None
    add_log(session, user_id=other, question_id="q-mcq-zero2", at=datetime(2024, 3, 10, 12, tzinfo=UTC))
    session.commit()
    assert reviews_by_day(session=session, user_id=learner, zone=UTC) == {}


def test_streak_counts_back_from_today_or_yesterday() -> None:
    today = date(2024, 5, 20)
    days = Counter({today - timedelta(days=n): 1 for n in (1, 2, 3, 5)})
    assert streak_days(days, today=today) == 3  # yesterday and the two days before; today not studied yet
    days[today] = 4
    assert streak_days(days, today=today) == 4
    assert streak_days(Counter({today - timedelta(days=2): 1}), today=today) == 0
    assert streak_days(Counter(), today=today) == 0


def test_retention_counts_scheduled_grades_of_review_cards_only(session: Session, learner: int) -> None:
    now = datetime(2024, 5, 20, 12, tzinfo=UTC)
    recent = now - timedelta(days=3)
    add_log(session, user_id=learner, question_id="q-mcq-zero2", at=recent, rating=3)  # recalled
    add_log(session, user_id=learner, question_id="q-mcq-zero2", at=recent, rating=2)  # Hard still counts as recalled
    add_log(session, user_id=learner, question_id="q-mcq-zero2", at=recent, rating=1)  # forgotten
    add_log(session, user_id=learner, question_id="q-mcq-zero2", at=recent, rating=1, state_before=1)  # learning
    add_log(session, user_id=learner, question_id="q-mcq-zero2", at=recent, rating=1, state_before=3)  # relearning
    add_log(session, user_id=learner, question_id="q-mcq-zero2", at=recent, rating=1, state_before=None)  # new
    add_log(session, user_id=learner, question_id="q-mcq-zero2", at=recent, rating=1, scheduled=False)  # quiz ahead
    add_log(session, user_id=learner, question_id="q-mcq-zero2", at=now - timedelta(days=31), rating=1)  # too old
    session.commit()
    result = retention(session=session, user_id=learner, zone=UTC, now=now)
    assert (result.recalled, result.total) == (2, 3)
    assert result.rate == 2 / 3


def test_retention_without_reviews_has_no_rate(session: Session, learner: int) -> None:
    result = retention(session=session, user_id=learner, zone=UTC)
    assert (result.total, result.rate) == (0, None)


def test_mastery_by_topic_splits_mastered_learning_and_new(session: Session, learner: int) -> None:
    due = datetime(2024, 6, 1, tzinfo=UTC)
    add_card(session, user_id=learner, question_id="q-1a2b3c4d5e", state=2, stability=30.0, due=due)  # mastered
    add_card(session, user_id=learner, question_id="q-mcq-zero2", state=2, stability=5.0, due=due)  # too young
    add_card(session, user_id=learner, question_id="q-mcq-pipeline", state=1, stability=None, due=due)  # learning
    add_card(session, user_id=learner, question_id="q-unlabelled", state=3, stability=40.0, due=due)  # relearning
    session.commit()
    mastery = mastery_by_topic(session=session, user_id=learner)
    distributed, foundations = mastery["分布式训练与系统架构"], mastery["大模型基础"]
    assert (distributed.total, distributed.mastered, distributed.learning, distributed.new) == (5, 1, 2, 2)
    assert (foundations.total, foundations.mastered, foundations.learning, foundations.new) == (2, 0, 1, 1)
    assert distributed.share("mastered") == 0.2


def test_heatmap_is_53_weeks_of_monday_to_sunday_ending_this_week() -> None:
    today = date(2024, 5, 22)  # a Wednesday
    counts = Counter({today: 8, today - timedelta(days=1): 2, today - timedelta(days=400): 50})
    cells = heatmap(counts, today=today)
    assert len(cells) == 7 * HEATMAP_WEEKS
    assert cells[0].day.weekday() == 0 and cells[-1].day.weekday() == 6
    assert [cell.day for cell in cells if not cell.future][-1] == today
    assert [cell.future for cell in cells[-7:]] == [False, False, False, True, True, True, True]
    by_day = {cell.day: cell for cell in cells}
    assert (by_day[today].count, by_day[today].level) == (8, 4)
    assert by_day[today - timedelta(days=1)].level == 1
    assert by_day[today - timedelta(days=2)].level == 0
    assert today - timedelta(days=400) not in by_day
