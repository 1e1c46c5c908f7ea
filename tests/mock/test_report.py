"""The report over a real round: score, time per question, topics, the trend, Markdown, the learner's own grades,
and sending what was missed to review as Again exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.mock.errors import InvalidAnswer, StillRunning
from app.mock.markdown import report_markdown
from app.mock.outcomes import ReviewSend, self_grade, send_missed_to_review
from app.mock.report import build_report
from app.mock.service import Round, create_interview, finish_interview, save_answer
from app.mock.setup import MockSetup
from app.models import ReviewCard
from app.review.service import grade
from tests.mock.conftest import NOW, labels, mock_logs

ZONE_INFO = timezone(timedelta(hours=8))


def played_round(session: Session, learner: int, *, seed: int = 11, start: timedelta = timedelta(0)) -> Round:
    """Four questions (two MCQs, two open): MCQ 1 right, MCQ 2 wrong, open 1 answered and graded 3, open 2 empty."""
    began = NOW + start
    current = create_interview(session=session, user_id=learner, now=began,
                               setup=MockSetup(count=4, minutes=20, mix={"mcq": 2, "open": 2}, seed=seed))
    mcqs = [item for item in current.items if item.question.kind == "mcq"]
    opens = [item for item in current.items if item.question.kind == "open"]
    moment = began
    for item, seconds in ((mcqs[0], 40), (mcqs[1], 70), (opens[0], 200)):
        moment += timedelta(seconds=seconds)
        if item.question.kind == "mcq":
            right, wrong = labels(session, item.question.id)
            save_answer(session=session, user_id=learner, interview_id=current.id, position=item.position,
                        choice=right if item is mcqs[0] else wrong, elapsed_ms=seconds * 1000, now=moment)
        else:
            save_answer(session=session, user_id=learner, interview_id=current.id, position=item.position,
                        answer="我的回答：" + "；".join(item.key_points[:2]), elapsed_ms=seconds * 1000, now=moment)
    finish_interview(session=session, user_id=learner, interview_id=current.id, now=moment + timedelta(seconds=10))
    self_grade(session=session, user_id=learner, interview_id=current.id, position=opens[0].position, grade_value=3,
               now=moment + timedelta(seconds=20))
    return current


def test_the_report_scores_times_and_groups_by_topic(session: Session, learner: int) -> None:
    current = played_round(session, learner)
    report = build_report(session=session, user_id=learner, interview_id=current.id, now=NOW + timedelta(hours=1))
    statuses = {row.item.question.kind + str(i): row.status for i, row in enumerate(report.rows)}
    assert sorted(statuses.values()) == ["right", "right", "unanswered", "wrong"]
    assert (report.right, report.total, report.percent) == (2, 4, 50)
    assert report.time_used_ms == 320_000  # handed in 320 s after the start
    times = sorted(row.time_ms for row in report.rows)
    assert times == [0, 40_000, 70_000, 200_000]
    assert sum(line.total for line in report.by_topic) == 4
    assert sum(line.right for line in report.by_topic) == 2
    assert sum(line.time_ms for line in report.by_topic) == 310_000
    answered_open = next(row for row in report.rows if row.item.question.kind == "open" and row.time_ms)
    assert answered_open.hint is not None and answered_open.hint.likely_covered >= 2
    assert [row.item.position for row in report.missed] == sorted(
        row.item.position for row in report.rows if row.status in ("wrong", "unanswered"))


def test_an_ungraded_open_answer_is_not_yet_right(session: Session, learner: int) -> None:
    current = create_interview(session=session, user_id=learner, now=NOW,
                               setup=MockSetup(count=1, minutes=5, mix={"open": 1}))
    save_answer(session=session, user_id=learner, interview_id=current.id, position=1, answer="写了", now=NOW)
    with pytest.raises(StillRunning):
        build_report(session=session, user_id=learner, interview_id=current.id, now=NOW)
    report = build_report(session=session, user_id=learner, interview_id=current.id, now=NOW + timedelta(minutes=6))
    assert report.round.status == "finished" and report.round.finished_at == current.deadline  # closed at its deadline
    assert report.rows[0].status == "ungraded" and report.percent == 0
    regraded = self_grade(session=session, user_id=learner, interview_id=current.id, position=1, grade_value=1)
    assert regraded.item(1).status == "wrong"


def test_self_grades_belong_to_open_answers_after_the_round(session: Session, learner: int) -> None:
    current = create_interview(session=session, user_id=learner, now=NOW,
                               setup=MockSetup(count=3, minutes=5, mix={"mcq": 1, "open": 2}))
    mcq = next(item.position for item in current.items if item.question.kind == "mcq")
    empty = next(item.position for item in current.items if item.question.kind == "open")
    with pytest.raises(StillRunning):
        self_grade(session=session, user_id=learner, interview_id=current.id, position=empty, grade_value=3, now=NOW)
    finish_interview(session=session, user_id=learner, interview_id=current.id, now=NOW)
    for position, value in ((mcq, 3), (empty, 3)):
        with pytest.raises(InvalidAnswer) as refused:
            self_grade(session=session, user_id=learner, interview_id=current.id, position=position,
                       grade_value=value, now=NOW)
        assert refused.value.field == "self_grade"


def test_the_trend_compares_with_earlier_rounds(session: Session, learner: int) -> None:
    first = create_interview(session=session, user_id=learner, now=NOW,
                             setup=MockSetup(count=2, minutes=5, mix={"mcq": 2}, seed=5))
    for item in first.items:
        save_answer(session=session, user_id=learner, interview_id=first.id, position=item.position,
                    choice=labels(session, item.question.id)[1], now=NOW)  # both wrong: 0%
    finish_interview(session=session, user_id=learner, interview_id=first.id, now=NOW + timedelta(minutes=1))
    second = played_round(session, learner, start=timedelta(hours=1))
    report = build_report(session=session, user_id=learner, interview_id=second.id, now=NOW + timedelta(hours=2))
    assert [summary.id for summary in report.trend] == [first.id, second.id]
    assert [summary.percent for summary in report.trend] == [0, 50]
    assert report.delta == 50 and report.previous is not None and report.previous.id == first.id
    first_report = build_report(session=session, user_id=learner, interview_id=first.id)
    assert [summary.id for summary in first_report.trend] == [first.id] and first_report.delta is None


def test_the_markdown_export_holds_the_whole_report(session: Session, learner: int) -> None:
    current = played_round(session, learner)
    report = build_report(session=session, user_id=learner, interview_id=current.id)
    text = report_markdown(report, "zh", ZONE_INFO)
    assert text.startswith(f"# 模拟面试 #{current.id}\n")
    assert "答对 2 / 4 题（50%）" in text and "## 按主题" in text
    assert "## 趋势" not in text  # a first round has no trend to draw
    for row in report.rows:
        assert f"### {row.item.position}. " in text
    open_item = next(row.item for row in report.rows if row.item.question.kind == "open" and row.time_ms)
    assert "**你的回答**" in text and "> 我的回答：" in text and open_item.question.answer.strip()[:30] in text
    assert "- [x]" in text  # the coverage hint ticks the key points the answer quoted
    english = report_markdown(report, "en", ZONE_INFO)
    assert "2 of 4 right (50%)" in english and "## By topic" in english


def missed_ids(report_round: Round) -> set[str]:
    return {item.question.id for item in report_round.items if item.status in ("wrong", "unanswered")}


def test_missed_questions_go_to_review_as_again_exactly_once(session: Session, learner: int) -> None:
    current = played_round(session, learner)
    finished = build_report(session=session, user_id=learner, interview_id=current.id).round
    missed = missed_ids(finished)
    assert len(missed) == 2
    first = send_missed_to_review(session=session, user_id=learner, interview_id=current.id,
                                  now=NOW + timedelta(hours=1))
    assert set(first.sent) == missed and first.already == [] and first.skipped == {}
    second = send_missed_to_review(session=session, user_id=learner, interview_id=current.id,
                                   now=NOW + timedelta(hours=1, seconds=1))
    assert second.sent == [] and set(second.already) == missed
    logs = mock_logs(session, learner)
    assert sorted(log.question_id for log in logs) == sorted(missed)
    assert all(log.rating == 1 and log.scheduled for log in logs)
    cards = session.exec(select(ReviewCard).where(col(ReviewCard.question_id).in_(missed))).all()
    assert all(card.reps == 1 for card in cards) and len(cards) == 2


def test_a_double_click_from_two_threads_logs_once(engine: Engine, session: Session, learner: int) -> None:
    current = played_round(session, learner)
    results: list[ReviewSend] = []
    barrier = threading.Barrier(2)

    def click() -> None:
        with Session(engine) as own:
            barrier.wait()
            results.append(send_missed_to_review(session=own, user_id=learner, interview_id=current.id,
                                                 now=NOW + timedelta(hours=1)))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    assert sorted(len(result.sent) for result in results) in ([0, 2], [1, 1])
    assert len(mock_logs(session, learner)) == 2


def test_a_card_reviewed_since_the_round_keeps_its_newer_grade(session: Session, learner: int) -> None:
    current = played_round(session, learner)
    missed = sorted(missed_ids(build_report(session=session, user_id=learner, interview_id=current.id).round))
    grade(session=session, user_id=learner, question_id=missed[0], rating=3, now=NOW + timedelta(minutes=30))
    outcome = send_missed_to_review(session=session, user_id=learner, interview_id=current.id,
                                    now=NOW + timedelta(hours=1))
    assert outcome.skipped == {missed[0]: "reviewed_since"} and outcome.sent == [missed[1]]
    assert [log.question_id for log in mock_logs(session, learner)] == [missed[1]]

