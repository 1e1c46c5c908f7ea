"""The cohort's figures over several learners' rows: grades in the last 7 and 30 days and the streak by calendar day,
each learner's and each concept's mean FSRS retrievability (worked out here with the fsrs library itself), and mock
scores in time order, with a round still running left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Card as FsrsCard
from fsrs import Scheduler, State
from sqlalchemy import Engine
from sqlmodel import Session

from app.cohort.service import build_cohort
from app.users import ensure_local_user
from tests.cohort.conftest import Card, History, Round, mcq_questions, questions_of, write_history

NOW = datetime(2031, 3, 14, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def add(engine: Engine, name: str) -> int:
    with Session(engine) as session:
        user_id = ensure_local_user(session=session, name=name).id
        session.commit()
    assert user_id is not None
    return user_id


def recall(stability: float, days_ago: float) -> float:
    """FSRS's retrievability of a review-state card, straight from the library (default parameters)."""
    reviewed = NOW - timedelta(days=days_ago)
    card = FsrsCard(state=State.Review, step=None, stability=stability, difficulty=5.0, due=reviewed + DAY,
                    last_review=reviewed)
    return float(Scheduler().get_card_retrievability(card, NOW))


def test_grades_in_each_window_and_the_streak_by_day(group_engine: Engine) -> None:
    ana, ben, cy = add(group_engine, "ana"), add(group_engine, "ben"), add(group_engine, "cy")
    write_history(group_engine, ana, History(grades=[NOW, NOW - timedelta(hours=1), NOW - DAY, NOW - 2 * DAY,
                                                     NOW - 10 * DAY, NOW - 40 * DAY]), now=NOW)
    # Ben studied yesterday and the day before, not yet today: the streak still counts (the day isn't over).
    write_history(group_engine, ben, History(grades=[NOW - DAY, NOW - 2 * DAY, NOW - 6 * DAY]), now=NOW)
    with Session(group_engine) as session:
        cohort = build_cohort(session=session, zone=UTC, now=NOW)
    lines = {line.name: line for line in cohort.learners}
    assert set(lines) == {"ana", "ben", "cy"}
    assert (lines["ana"].reviews_7d, lines["ana"].reviews_30d, lines["ana"].streak_days) == (4, 5, 3)
    assert (lines["ben"].reviews_7d, lines["ben"].reviews_30d, lines["ben"].streak_days) == (3, 3, 2)
    assert (lines["cy"].reviews_7d, lines["cy"].reviews_30d, lines["cy"].streak_days) == (0, 0, 0)
    assert lines["ana"].last_day == NOW.date() and lines["cy"].last_day is None
    assert lines["cy"].user_id == cy


def test_weakest_concepts_are_the_lowest_mean_retrievability_over_the_groups_cards(group_engine: Engine) -> None:
    ana, ben = add(group_engine, "ana"), add(group_engine, "ben")
    weak, strong = questions_of(group_engine, "zero")[:2], questions_of(group_engine, "lora")[:2]
    assert len(weak) == 2 and len(strong) == 2 and not set(weak) & set(strong)
    ana_cards = [Card(weak[0], stability=1.0, reviewed_days_ago=300),
                 Card(strong[0], stability=200, reviewed_days_ago=1)]
    ben_cards = [Card(weak[1], stability=2.0, reviewed_days_ago=200),
                 Card(strong[1], stability=90, reviewed_days_ago=2)]
    write_history(group_engine, ana, History(cards=ana_cards), now=NOW)
    write_history(group_engine, ben, History(cards=ben_cards), now=NOW)
    with Session(group_engine) as session:
        cohort = build_cohort(session=session, zone=UTC, now=NOW)

    cards = ana_cards + ben_cards
    expected: dict[str, list[float]] = {}
    for concept in {line.id for line in cohort.weakest}:
        tagged = set(questions_of(group_engine, concept))
        expected[concept] = [recall(card.stability, card.reviewed_days_ago) for card in cards
                             if card.question_id in tagged]
    means = {concept: sum(values) / len(values) for concept, values in expected.items()}
    shown = [(line.id, round(line.recall, 9)) for line in cohort.weakest]
    assert shown == sorted(shown, key=lambda item: item[1]), "weakest first"
    assert {concept: round(value, 9) for concept, value in shown} == {c: round(v, 9) for c, v in means.items()}
    by_id = {line.id: line for line in cohort.weakest}
    assert by_id["zero"].recall < 0.5 < by_id["lora"].recall  # FSRS forgets slowly: a day of stability, months ago
    assert (by_id["zero"].cards, by_id["zero"].learners) == (len(expected["zero"]), 2)
    lines = {line.name: line for line in cohort.learners}
    assert lines["ana"].cards == 2
    assert lines["ana"].recall is not None and abs(lines["ana"].recall - (recall(1.0, 300) + recall(200, 1)) / 2) < 1e-9


def test_mock_scores_in_time_order_with_a_running_round_left_out(group_engine: Engine) -> None:
    ana, ben = add(group_engine, "ana"), add(group_engine, "ben")
    (q1, right1, wrong1), (q2, right2, wrong2) = mcq_questions(group_engine)[:2]
    write_history(group_engine, ana, History(rounds=[
        Round(NOW - 9 * DAY, [(q1, wrong1), (q2, wrong2)]),
        Round(NOW - 2 * DAY, [(q1, right1), (q2, right2)]),
        Round(NOW - timedelta(minutes=10), [(q1, right1)], finished=False),  # still running
    ]), now=NOW)
    write_history(group_engine, ben, History(rounds=[Round(NOW - 5 * DAY, [(q1, right1), (q2, wrong2)])]), now=NOW)
    with Session(group_engine) as session:
        cohort = build_cohort(session=session, zone=UTC, now=NOW)
    assert [(point.name, point.percent, point.day) for point in cohort.rounds] == [
        ("ana", 0, (NOW - 9 * DAY).date()), ("ben", 50, (NOW - 5 * DAY).date()), ("ana", 100, (NOW - 2 * DAY).date())]
    lines = {line.name: line for line in cohort.learners}
    assert (lines["ana"].rounds, lines["ana"].last_score) == (2, 100)
    assert (lines["ben"].rounds, lines["ben"].last_score) == (1, 50)


def test_a_cohort_of_named_learners_holds_only_them(group_engine: Engine) -> None:
    ana, ben = add(group_engine, "ana"), add(group_engine, "ben")
    write_history(group_engine, ben, History(grades=[NOW]), now=NOW)
    with Session(group_engine) as session:
        cohort = build_cohort(session=session, zone=UTC, now=NOW, user_ids=[ana])
    assert [line.name for line in cohort.learners] == ["ana"]
    assert cohort.learners[0].reviews_7d == 0 and cohort.rounds == [] and cohort.weakest == []
    assert ben != ana
