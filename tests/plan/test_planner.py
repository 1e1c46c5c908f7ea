"""The planner over a real database: the quota, the forecast and the recall on the day agree with what the fsrs
package itself computes; a backlog after a gap never puts more than the daily cap on one day; the final review
leaves every due date as it was."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating, Scheduler, State
from sqlmodel import Session, col, select

from app.models import QuestionConcept, ReviewCard, ReviewLog
from app.plan.final import final_review, practise
from app.plan.service import INTERVIEW_HOUR, build_plan
from app.preferences.service import PreferencesUpdate, UnknownTopics, update_preferences
from app.review import queue
from app.review.scheduling import new_card, to_fsrs
from app.review.screen import review_screen
from app.review.service import grade, record_practice
from tests.plan.conftest import ALGO, DIST, NOW, QUESTIONS, ZONE

SHANGHAI = ZoneInfo(ZONE)
TODAY = NOW.astimezone(SHANGHAI).date()


def configure(session: Session, learner: int, **values: object) -> None:
    update_preferences(session=session, user_id=learner, update=PreferencesUpdate.model_validate(values))


def card(session: Session, learner: int, question_id: str) -> ReviewCard:
    session.expire_all()
    row = session.exec(select(ReviewCard).where(col(ReviewCard.user_id) == learner,
                                                col(ReviewCard.question_id) == question_id)).one()
    return row


def study(session: Session, learner: int, question_id: str, start: datetime, reviews: int) -> None:
    """A real review history: a new card graded Good, then Good each time it falls due, `reviews` grades in all."""
    moment = start
    for _ in range(reviews):
        grade(session=session, user_id=learner, question_id=question_id, rating=3, now=moment)
        moment = card(session, learner, question_id).due.replace(tzinfo=UTC)


def local(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def test_quota_forecast_and_recall_match_fsrs(session: Session, learner: int) -> None:
    study(session, learner, "q-plan-d1", NOW - timedelta(days=12), reviews=3)
    study(session, learner, "q-plan-t1", NOW - timedelta(days=5), reviews=2)
    interview = TODAY + timedelta(days=14)
    configure(session, learner, interview_date=interview.isoformat(), interview_topics=[DIST], daily_new_limit=0)
    plan = build_plan(session=session, user_id=learner, zone=SHANGHAI, now=NOW)
    scheduler = Scheduler(enable_fuzzing=False)

    # The quota: a new card graded Good through its learning steps is next seen `lead` days later (fsrs says so);
    # the three unseen DIST questions must all start by the day that leaves that much room before the interview.
    first = scheduler.review_card(new_card(NOW), Rating.Good, review_datetime=NOW)[0]
    while local(first.due) == TODAY:
        first = scheduler.review_card(first, Rating.Good, review_datetime=first.due)[0]
    lead = (local(first.due) - TODAY).days
    assert (plan.lead_days, plan.unseen, plan.questions) == (lead, 3, 4)
    assert plan.daily_new_quota == math.ceil(3 / (14 - lead)) and plan.quota_reachable

    # The forecast: with no new questions, the studied cards come back on the days fsrs schedules them, graded Good
    # at their due time (an overdue card today, now), and nothing else.
    expected: dict[date, int] = {}
    for question_id in ("q-plan-d1", "q-plan-t1"):
        fsrs_card = to_fsrs(card(session, learner, question_id))
        while local(fsrs_card.due) < interview:
            day = max(local(fsrs_card.due), TODAY)
            expected[day] = expected.get(day, 0) + 1
            fsrs_card = scheduler.review_card(fsrs_card, Rating.Good, review_datetime=max(fsrs_card.due, NOW))[0]
    assert len(expected) >= 2
    assert [day.day for day in plan.forecast] == [TODAY + timedelta(days=n) for n in range(14)]
    assert {day.day: day.reviews for day in plan.forecast if day.reviews} == expected
    assert all(day.new == 0 and day.learning == 0 for day in plan.forecast)

    # Recall on the day: fsrs retrievability at 09:00 on the interview day, unseen questions 0, mean per topic.
    moment = datetime.combine(interview, time(INTERVIEW_HOUR), tzinfo=SHANGHAI).astimezone(UTC)
    recall_d1 = scheduler.get_card_retrievability(to_fsrs(card(session, learner, "q-plan-d1")), moment)
    assert 0 < recall_d1 < 1
    assert plan.recall_on_day == pytest.approx({DIST: recall_d1 / 4})  # ALGO is not in the interview
    zero_questions = set(session.exec(select(QuestionConcept.question_id)
                                      .where(col(QuestionConcept.concept_id) == "zero")).all())
    concepts = {concept.id: concept for concept in plan.concepts}
    assert concepts["zero"].recall_on_day == pytest.approx(
        recall_d1 / len(zero_questions & {q for q, (topic, _c) in QUESTIONS.items() if topic == DIST}))
    assert plan.concepts[0].recall_on_day <= plan.concepts[-1].recall_on_day  # weakest first


def test_recall_with_plan_and_new_questions_follow_the_daily_limit(session: Session, learner: int) -> None:
    configure(session, learner, interview_date=(TODAY + timedelta(days=10)).isoformat(), daily_new_limit=3)
    plan = build_plan(session=session, user_id=learner, zone=SHANGHAI, now=NOW)
    assert [day.new for day in plan.forecast[:4]] == [3, 3, 2, 0]  # eight questions, three a day
    assert plan.unseen == len(QUESTIONS) and plan.recall_on_day == {DIST: 0.0, ALGO: 0.0}
    assert all(0.5 < value < 1 for value in plan.recall_with_plan.values())
    assert plan.prepared == len(QUESTIONS)  # all seen on two days before the interview


def test_without_a_date_the_forecast_covers_thirty_days(session: Session, learner: int) -> None:
    plan = build_plan(session=session, user_id=learner, zone=SHANGHAI, now=NOW)
    assert len(plan.forecast) == 30 and plan.daily_new_quota is None and plan.recall_on_day == {}
    assert not plan.final_review_open


def test_a_short_interview_window_says_the_quota_cannot_be_reached(session: Session, learner: int) -> None:
    configure(session, learner, interview_date=(TODAY + timedelta(days=1)).isoformat())
    plan = build_plan(session=session, user_id=learner, zone=SHANGHAI, now=NOW)
    assert not plan.quota_reachable and plan.daily_new_quota == len(QUESTIONS) and plan.final_review_open


def overdue(session: Session, learner: int, days_ago: int, question_id: str) -> None:
    """A card in review state that fell due `days_ago` days ago (a learner who stopped studying)."""
    due = NOW - timedelta(days=days_ago)
    session.add(ReviewCard(user_id=learner, question_id=question_id, state=int(State.Review), step=None,
                           stability=30.0, difficulty=5.0, due=due, last_review=due - timedelta(days=20), reps=4))
    session.commit()


def test_backlog_after_a_seven_day_gap_never_exceeds_the_daily_cap(session: Session, learner: int) -> None:
    # Eight cards fell due one a day over the week the learner was away; the cap is three a day.
    for days_ago, question_id in enumerate(QUESTIONS):
        overdue(session, learner, days_ago % 7 + 1, question_id)
    configure(session, learner, daily_review_limit=3, daily_new_limit=0)
    plan = build_plan(session=session, user_id=learner, zone=SHANGHAI, now=NOW)
    assert max(day.reviews for day in plan.forecast) <= 3
    assert [day.reviews for day in plan.forecast[:3]] == [3, 3, 2]  # spread over three days, not eight at once
    assert [day.backlog for day in plan.forecast[:3]] == [5, 2, 0]

    # The review queue holds the same line: three reviews today, longest-waiting first, the rest wait.
    counts = queue.queue_counts(session=session, user_id=learner, daily_new_limit=0, zone=SHANGHAI, now=NOW,
                                daily_review_limit=3)
    assert (counts.review_due, counts.backlog) == (3, 5)
    shown = []
    for _ in range(4):
        screen = review_screen(session=session, user_id=learner, daily_new_limit=0, desired_retention=0.9,
                               zone=SHANGHAI, now=NOW, daily_review_limit=3)
        if screen.item is None:
            break
        shown.append(screen.item.question.id)
        grade(session=session, user_id=learner, question_id=screen.item.question.id, rating=3, now=NOW)
    assert shown == ["q-plan-t3", "q-plan-t2", "q-plan-t1"]  # due 7, 6 and 5 days ago
    tomorrow = NOW + timedelta(days=1)
    again = queue.queue_counts(session=session, user_id=learner, daily_new_limit=0, zone=SHANGHAI, now=tomorrow,
                               daily_review_limit=3)
    assert (again.review_due, again.backlog) == (3, 2)


def test_the_queue_serves_the_longest_waiting_first_under_the_cap(session: Session, learner: int) -> None:
    for days_ago, question_id in zip((1, 7, 3, 5), ("q-plan-d1", "q-plan-d2", "q-plan-d3", "q-plan-d4"), strict=True):
        overdue(session, learner, days_ago, question_id)
    first = queue.first_due(session=session, user_id=learner, now=NOW)
    assert first is not None and first[1].id == "q-plan-d2"


def test_final_review_leaves_due_dates_unchanged(session: Session, learner: int) -> None:
    study(session, learner, "q-plan-d1", NOW - timedelta(days=12), reviews=3)
    study(session, learner, "q-plan-t1", NOW - timedelta(days=5), reviews=2)
    configure(session, learner, interview_date=(TODAY + timedelta(days=2)).isoformat())
    before = {row.question_id: (row.due, row.stability, row.difficulty, row.state, row.step, row.reps, row.lapses)
              for row in session.exec(select(ReviewCard)).all()}
    final = final_review(session=session, user_id=learner, zone=SHANGHAI, desired_retention=0.9, now=NOW)
    assert final.plan.final_review_open and final.question_ids and final.concepts
    weakest = final.concepts[0]
    assert weakest.recall_on_day == min(concept.recall_on_day for concept in final.plan.concepts)
    for rating, question_id in zip((1, 4, 2, 3), final.question_ids, strict=False):
        practise(session=session, user_id=learner, question_id=question_id, rating=rating, now=NOW)
    practise(session=session, user_id=learner, question_id="q-plan-d1", rating=1, now=NOW)
    session.expire_all()
    after = {row.question_id: (row.due, row.stability, row.difficulty, row.state, row.step, row.reps, row.lapses)
             for row in session.exec(select(ReviewCard)).all()}
    assert after == before  # no card moved, none was created
    logs = session.exec(select(ReviewLog).where(col(ReviewLog.origin) == "final")).all()
    assert logs and all(not log.scheduled and log.idempotency_key is None for log in logs)
    again = final_review(session=session, user_id=learner, zone=SHANGHAI, desired_retention=0.9, now=NOW)
    assert again.done_today[:1] == final.question_ids[:1] and again.next_question != final.question_ids[0]
    counts = queue.queue_counts(session=session, user_id=learner, daily_new_limit=20, zone=SHANGHAI, now=NOW)
    assert counts.new_today == 0 and counts.new_elsewhere_today == 0  # practice starts no card


def test_quiz_practice_does_not_eat_the_daily_new_limit(session: Session, learner: int) -> None:
    record_practice(session=session, user_id=learner, question_id="q-plan-d1", correct=True, origin="quiz", now=NOW)
    grade(session=session, user_id=learner, question_id="q-plan-d2", rating=3, now=NOW)
    counts = queue.queue_counts(session=session, user_id=learner, daily_new_limit=2, zone=SHANGHAI, now=NOW)
    assert (counts.new_today, counts.new_elsewhere_today, counts.new_available) == (1, 1, 1)


def test_interview_topics_come_first_and_must_exist(session: Session, learner: int) -> None:
    configure(session, learner, interview_topics=[ALGO])
    screen = review_screen(session=session, user_id=learner, daily_new_limit=5, desired_retention=0.9, zone=SHANGHAI,
                           now=NOW, priority_topics=[ALGO])
    assert screen.item is not None and screen.item.question.topic == ALGO
    with pytest.raises(UnknownTopics):
        configure(session, learner, interview_topics=["没有这个主题"])


def test_a_null_date_clears_the_interview(session: Session, learner: int) -> None:
    configure(session, learner, interview_date="2024-04-01")
    configure(session, learner, interview_date=None)
    assert build_plan(session=session, user_id=learner, zone=SHANGHAI, now=NOW).interview_date is None
