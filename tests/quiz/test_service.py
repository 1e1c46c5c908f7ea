"""Quiz service over the real content: selection by the set-up, reproducible picks, grading, and exactly one
QuizAnswer and one practice log per answered position, written through the review service's practice rule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import State
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.models import QuestionConcept, QuizSession, ReviewCard
from app.quiz.errors import EmptySelection, InvalidAnswer, InvalidSetting, UnknownPosition, UnknownQuiz
from app.quiz.results import quiz_history, quiz_results
from app.quiz.selection import QuizSetup, matching_ids, setup_options
from app.quiz.service import answer_choice, create_quiz, grade_answer, quiz_item, save_answer
from app.review.service import grade
from tests.conftest import ImportInto, content_question_count
from tests.quiz.conftest import NOW, answers, correct_label, logs, question, wrong_label


def mcq_quiz(session: Session, learner: int, count: int = 3) -> QuizSession:
    return create_quiz(session=session, user_id=learner, setup=QuizSetup(kinds=["mcq"], count=count, seed=7), now=NOW)


def card(session: Session, learner: int, question_id: str) -> ReviewCard:
    session.expire_all()
    row = session.exec(select(ReviewCard).where(col(ReviewCard.user_id) == learner,
                                                col(ReviewCard.question_id) == question_id)).one()
    return row


def test_selection_follows_the_setup(session: Session, learner: int) -> None:
    setup = QuizSetup(topics=["安全与合规", "硬件加速与系统优化"], kinds=["mcq"], difficulty_min=3, difficulty_max=6,
                      count=50)
    ids = matching_ids(session=session, setup=setup)
    assert ids
    for question_id in ids:
        row = question(session, question_id)
        assert row.topic in setup.topics and row.kind == "mcq" and not row.retired
        assert row.difficulty is None or 3 <= row.difficulty <= 6
    quiz = create_quiz(session=session, user_id=learner, setup=setup, now=NOW)
    assert sorted(quiz.question_ids) == ids  # fewer matched than asked: all of them, once each
    assert quiz.settings["count"] == 50 and isinstance(quiz.settings["seed"], int)


def test_questions_without_difficulty_count_as_matching(session: Session) -> None:
    # 大模型基础 has no question with a difficulty: a narrow range still finds all of them.
    every = matching_ids(session=session, setup=QuizSetup(topics=["大模型基础"]))
    narrow = matching_ids(session=session, setup=QuizSetup(topics=["大模型基础"], difficulty_min=9, difficulty_max=9))
    assert narrow == every and len(every) == 19


def test_concepts_select_tagged_questions(session: Session) -> None:
    ids = matching_ids(session=session, setup=QuizSetup(concepts=["deepspeed", "transformer"]))
    tagged = set(session.exec(select(QuestionConcept.question_id)
                              .where(col(QuestionConcept.concept_id).in_(["deepspeed", "transformer"]))).all())
    assert ids and set(ids) <= tagged
    options = setup_options(session=session)
    assert options.total == content_question_count()
    assert {"deepspeed", "transformer"} <= {c.id for c in options.concepts}
    assert [topic.name for topic in options.topics][0] == "大模型基础"  # the catalogue's order, not the alphabet


def test_the_same_seed_picks_the_same_questions(session: Session, learner: int) -> None:
    first = create_quiz(session=session, user_id=learner, setup=QuizSetup(count=10, seed=42))
    again = create_quiz(session=session, user_id=learner, setup=QuizSetup(**{**first.settings}))
    other = create_quiz(session=session, user_id=learner, setup=QuizSetup(count=10, seed=43))
    assert len(first.question_ids) == 10 and len(set(first.question_ids)) == 10
    assert again.question_ids == first.question_ids
    assert other.question_ids != first.question_ids


def test_bad_setups_name_their_field(session: Session, learner: int) -> None:
    with pytest.raises(InvalidSetting) as unknown_topic:
        create_quiz(session=session, user_id=learner, setup=QuizSetup(topics=["不存在的主题"]))
    assert unknown_topic.value.field == "topics" and "不存在的主题" in unknown_topic.value.message()
    with pytest.raises(InvalidSetting) as unknown_concept:
        create_quiz(session=session, user_id=learner, setup=QuizSetup(concepts=["no-such-concept"]))
    assert unknown_concept.value.field == "concepts"
    with pytest.raises(ValidationError) as inverted:
        QuizSetup(difficulty_min=7, difficulty_max=3)
    assert inverted.value.errors()[0]["loc"] == ("difficulty_max",)
    with pytest.raises(EmptySelection):  # 大模型基础 has no MCQ
        create_quiz(session=session, user_id=learner, setup=QuizSetup(topics=["大模型基础"], kinds=["mcq"]))
    assert session.exec(select(QuizSession)).all() == []


def test_wrong_mcq_answer_sends_the_card_to_relearning(session: Session, learner: int) -> None:
    quiz = mcq_quiz(session, learner)
    assert quiz.id is not None
    question_id = quiz.question_ids[0]
    grade(session=session, user_id=learner, question_id=question_id, rating=4, now=NOW)  # learnt: in review
    assert card(session, learner, question_id).state == State.Review
    outcome = answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=1,
                            choice=wrong_label(session, question_id), now=NOW + timedelta(hours=1))
    assert outcome.item.answer is not None and outcome.item.answer.correct is False and not outcome.duplicate
    assert outcome.review is not None and outcome.review.rating == 1 and outcome.review.scheduled
    quiz_log = logs(session, question_id)[-1]
    assert (quiz_log.rating, quiz_log.origin, quiz_log.scheduled) == (1, "quiz", True)
    after = card(session, learner, question_id)
    assert after.state == State.Relearning and after.lapses == 1


def test_right_answer_on_a_card_not_yet_due_leaves_it_alone(session: Session, learner: int) -> None:
    quiz = mcq_quiz(session, learner)
    assert quiz.id is not None
    question_id = quiz.question_ids[1]
    grade(session=session, user_id=learner, question_id=question_id, rating=4, now=NOW)
    before = card(session, learner, question_id).model_dump()
    outcome = answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=2,
                            choice=correct_label(session, question_id), now=NOW + timedelta(hours=1))
    assert outcome.item.answer is not None and outcome.item.answer.correct is True
    assert outcome.review is not None and outcome.review.scheduled is False
    quiz_log = logs(session, question_id)[-1]
    assert (quiz_log.rating, quiz_log.origin, quiz_log.scheduled) == (3, "quiz", False)
    assert card(session, learner, question_id).model_dump() == before


def test_right_answer_on_a_new_card_schedules_it(session: Session, learner: int) -> None:
    quiz = mcq_quiz(session, learner)
    assert quiz.id is not None
    question_id = quiz.question_ids[0]
    outcome = answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=1,
                            choice=correct_label(session, question_id), now=NOW)
    assert outcome.review is not None and outcome.review.scheduled and outcome.review.rating == 3
    assert card(session, learner, question_id).reps == 1


def test_a_double_submit_writes_one_answer_and_one_log(session: Session, learner: int) -> None:
    quiz = mcq_quiz(session, learner)
    assert quiz.id is not None
    question_id = quiz.question_ids[0]
    wrong, right = wrong_label(session, question_id), correct_label(session, question_id)
    first = answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=1, choice=wrong, now=NOW)
    second = answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=1, choice=wrong, now=NOW)
    changed_mind = answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=1, choice=right, now=NOW)
    assert not first.duplicate and second.duplicate and changed_mind.duplicate
    assert second.review is None and changed_mind.item.chosen == [wrong]  # the first answer stands
    assert len(answers(session, quiz.id)) == 1
    assert len(logs(session, question_id)) == 1


def test_mcq_choices_are_checked(session: Session, learner: int) -> None:
    quiz = mcq_quiz(session, learner)
    assert quiz.id is not None
    for choice, message_part in (("", "选择"), ("Z", "Z"), ("A,B", "单选")):
        with pytest.raises(InvalidAnswer) as refused:
            answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=1, choice=choice)
        assert refused.value.field == "choice" and message_part in refused.value.message()
    with pytest.raises(InvalidAnswer) as open_answer:
        grade_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, self_grade=3)
    assert open_answer.value.field == "choice"
    assert answers(session, quiz.id) == []
    assert logs(session, quiz.question_ids[0]) == []


def test_open_answer_is_kept_then_self_graded(session: Session, learner: int) -> None:
    quiz = create_quiz(session=session, user_id=learner, setup=QuizSetup(kinds=["open"], count=2, seed=1), now=NOW)
    assert quiz.id is not None
    question_id = quiz.question_ids[0]
    shown = save_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, answer="第一稿", now=NOW)
    rewritten = save_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, answer="第二稿", now=NOW)
    assert shown.revealed and not shown.graded and rewritten.answer is not None
    assert rewritten.answer.answer == "第二稿" and logs(session, question_id) == []  # revealing logs nothing
    assert 3 <= len(rewritten.key_points) <= 8  # every question of the real banks lists its key points
    with pytest.raises(InvalidAnswer) as no_such_point:
        grade_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, self_grade=3,
                     key_points_covered=[len(rewritten.key_points)])
    assert no_such_point.value.field == "key_points_covered"
    with pytest.raises(InvalidAnswer) as bad_grade:
        grade_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, self_grade=5)
    assert bad_grade.value.field == "self_grade"
    graded = grade_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, self_grade=1, now=NOW)
    row = graded.item.answer
    assert row is not None and (row.correct, row.self_grade, row.answer) == (False, 1, "第二稿")
    assert [(log.rating, log.origin) for log in logs(session, question_id)] == [(1, "quiz")]
    again = grade_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, self_grade=4, now=NOW)
    late_edit = save_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, answer="改了", now=NOW)
    assert again.duplicate and late_edit.answer is not None and late_edit.answer.answer == "第二稿"
    assert len(logs(session, question_id)) == 1


KEY_POINT_BANK = """---
preplab: 1
bank: kp-test
title: 要点测试
---

## 什么是 ZeRO-1？

```yaml
id: q-kp-1
kind: open
topic: 要点测试
```

### 答案

切分优化器状态。

### 要点

- 优化器状态
- 按数据并行度切分
- 通信量不变
"""


def test_open_answer_in_one_call_with_key_points(session: Session, learner: int, import_into: ImportInto,
                                                 tmp_path: Path) -> None:
    bank = tmp_path / "kp.md"
    bank.write_text(KEY_POINT_BANK, encoding="utf-8")
    import_into(bank)
    quiz = create_quiz(session=session, user_id=learner, setup=QuizSetup(topics=["要点测试"]), now=NOW)
    assert quiz.id is not None and quiz.question_ids == ["q-kp-1"]
    outcome = grade_answer(session=session, user_id=learner, quiz_id=quiz.id, position=1, answer="切分优化器状态",
                           self_grade=3, key_points_covered=[2, 0, 2], now=NOW)
    assert outcome.item.answer is not None and outcome.item.answer.key_points_covered == [0, 2]
    assert outcome.item.answer.correct is True and outcome.item.key_points[1] == "按数据并行度切分"
    assert outcome.review is not None and outcome.review.rating == 3


def test_results_history_and_finish(session: Session, learner: int) -> None:
    quiz = mcq_quiz(session, learner, count=3)
    assert quiz.id is not None
    for position, question_id in enumerate(quiz.question_ids, start=1):
        label = wrong_label(session, question_id) if position == 2 else correct_label(session, question_id)
        answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=position, choice=label, now=NOW)
    results = quiz_results(session=session, user_id=learner, quiz_id=quiz.id)
    assert (results.progress.correct, results.progress.total, results.percent) == (2, 3, 67)
    assert [row.status for row in results.rows] == ["right", "wrong", "right"]
    assert results.rows[1].correct_choice == correct_label(session, quiz.question_ids[1])
    assert sum(score.total for score in results.by_topic) == 3
    assert sum(score.wrong for score in results.by_topic) == 1
    assert results.progress.quiz.finished_at is not None and results.progress.resume_position is None
    [summary] = quiz_history(session=session, user_id=learner)
    assert (summary.id, summary.graded, summary.correct, summary.total) == (quiz.id, 3, 2, 3)


def test_unknown_quiz_and_position(session: Session, learner: int) -> None:
    quiz = mcq_quiz(session, learner, count=2)
    assert quiz.id is not None
    with pytest.raises(UnknownQuiz):
        quiz_item(session=session, user_id=learner, quiz_id=quiz.id + 1, position=1)
    with pytest.raises(UnknownQuiz):
        quiz_item(session=session, user_id=learner + 1, quiz_id=quiz.id, position=1)  # someone else's quiz
    for position in (0, 3):
        with pytest.raises(UnknownPosition):
            quiz_item(session=session, user_id=learner, quiz_id=quiz.id, position=position)
