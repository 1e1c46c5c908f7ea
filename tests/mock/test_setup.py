"""What a round is made of: presets, weak-area selection from the learner's FSRS cards, and the key-point coverage
hint."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.mock.coverage import coverage, terms
from app.mock.errors import InvalidSetup
from app.mock.presets import PRESETS
from app.mock.report import build_report
from app.mock.service import create_interview, finish_interview
from app.mock.setup import MockSetup, resolve
from app.mock.weak import concept_strengths
from app.models import Question, QuestionConcept, ReviewCard
from app.quiz.selection import QuizSetup
from app.quiz.service import answer_choice, create_quiz, quiz_item
from app.review.service import grade
from tests.mock.conftest import NOW


def test_every_preset_makes_a_round_of_its_size_and_clock(session: Session, learner: int) -> None:
    for preset in PRESETS:
        if preset.focus_weak:
            continue
        current = create_interview(session=session, user_id=learner, setup=MockSetup(preset=preset.id), now=NOW)
        settings = current.interview.settings
        assert settings["preset"] == preset.id and settings["minutes"] == preset.minutes
        assert current.deadline - current.started_at == timedelta(minutes=preset.minutes)
        assert current.total == preset.count, preset.id
        if preset.concepts:
            tagged = set(session.exec(select(QuestionConcept.question_id)
                                      .where(col(QuestionConcept.concept_id).in_(preset.concepts))).all())
            assert all(item.question.id in tagged for item in current.items), preset.id
        if preset.mix:
            assert all(item.question.kind == "mcq" for item in current.items)


def test_a_learners_values_override_the_preset(session: Session) -> None:
    plan = resolve(session=session, setup=MockSetup(preset="deepspeed-zero", minutes=12.5, count=3))
    assert (plan.minutes, plan.count, plan.preset) == (12.5, 3, "deepspeed-zero")
    assert "zero" in plan.concepts and "deepspeed" in plan.concepts
    with pytest.raises(InvalidSetup) as unknown:
        resolve(session=session, setup=MockSetup(preset="no-such-preset"))
    assert unknown.value.field == "preset" and "deepspeed-zero" in unknown.value.message("zh")


def test_minutes_come_from_the_budget_or_the_default(session: Session) -> None:
    assert resolve(session=session, setup=MockSetup(count=4, minutes_per_question=2.5)).minutes_for(4) == 10
    assert resolve(session=session, setup=MockSetup(count=4)).minutes_for(4) == 20
    with pytest.raises(InvalidSetup) as over:
        resolve(session=session, setup=MockSetup(minutes=1, minutes_per_question=2))
    assert over.value.field == "minutes_per_question"


def _single_tag_questions(session: Session) -> dict[str, list[str]]:
    """Concept → its questions that carry no other concept (so a card there speaks for that concept alone)."""
    single = select(QuestionConcept.question_id).group_by(col(QuestionConcept.question_id)).having(
        func.count() == 1)
    found: dict[str, list[str]] = defaultdict(list)
    for question_id, concept_id in session.exec(
            select(QuestionConcept.question_id, QuestionConcept.concept_id)
            .where(col(QuestionConcept.question_id).in_(single)).order_by(col(QuestionConcept.question_id))).all():
        found[concept_id].append(question_id)
    return found


def _card(user_id: int, question_id: str, *, stability: float, days_ago: int, lapses: int) -> ReviewCard:
    reviewed = NOW - timedelta(days=days_ago)
    return ReviewCard(user_id=user_id, question_id=question_id, state=2, step=None, stability=stability,
                      difficulty=5.0, due=reviewed + timedelta(days=stability), last_review=reviewed,
                      reps=lapses + 3, lapses=lapses)


def test_weak_areas_are_the_concepts_with_lowest_retrievability_and_most_lapses(session: Session,
                                                                                learner: int) -> None:
    concepts = [concept for concept, ids in sorted(_single_tag_questions(session).items()) if ids][:5]
    fading, forgotten, middling, strong, solid = concepts
    single = _single_tag_questions(session)
    profiles = {fading: {"stability": 0.2, "days_ago": 200, "lapses": 0},  # retrievability far below the rest
                forgotten: {"stability": 20, "days_ago": 1, "lapses": 6},  # recalled now, but forgotten again and again
                middling: {"stability": 5, "days_ago": 8, "lapses": 0},
                strong: {"stability": 200, "days_ago": 1, "lapses": 0},
                solid: {"stability": 150, "days_ago": 2, "lapses": 0}}
    for concept, profile in profiles.items():
        session.add(_card(learner, single[concept][0], **profile))  # type: ignore[arg-type]
    session.commit()

    ranking = concept_strengths(session=session, user_id=learner, now=NOW)
    assert [s.concept_id for s in ranking][:3] == [fading, forgotten, middling]
    assert ranking[0].retrievability < 0.6 and ranking[1].lapses == 6
    assert {s.concept_id for s in ranking[3:]} == {strong, solid}

    current = create_interview(session=session, user_id=learner, setup=MockSetup(focus_weak=True, count=2, seed=3),
                               now=NOW)
    drawn_from = current.interview.settings["weak_concepts"]
    assert drawn_from[:3] == [fading, forgotten, middling] and strong not in drawn_from and solid not in drawn_from
    tagged = set(session.exec(select(QuestionConcept.question_id)
                              .where(col(QuestionConcept.concept_id).in_(drawn_from))).all())
    assert current.total == 2 and all(item.question.id in tagged for item in current.items)
    finish_interview(session=session, user_id=learner, interview_id=current.id, now=NOW)
    report = build_report(session=session, user_id=learner, interview_id=current.id, now=NOW)
    assert [concept.id for concept in report.weak_concepts] == drawn_from


def test_weak_areas_need_review_history(session: Session, learner: int) -> None:
    with pytest.raises(InvalidSetup) as refused:
        create_interview(session=session, user_id=learner, setup=MockSetup(preset="weak-areas"), now=NOW)
    assert refused.value.field == "focus_weak" and "复习" in refused.value.message("zh")


def test_terms_are_words_and_chinese_pairs() -> None:
    assert terms("ZeRO-3 切分参数") == {"zero", "3", "切分", "分参", "参数"}
    assert terms("ＦＰ１６的") == {"fp16"}  # full-width folded; a lone function character dropped
    assert "的是" not in terms("梯度的是")


def test_coverage_marks_the_key_points_an_answer_mentions() -> None:
    points = ["ZeRO-1 切分优化器状态", "ZeRO-2 再切分梯度", "通信量与数据并行相同"]
    hint = coverage("ZeRO 先切分优化器状态（stage 1），stage 2 再切分梯度。", points)
    assert [point.likely for point in hint.points] == [True, True, False]
    assert hint.likely_covered == 2 and hint.total == 3
    assert hint.points[2].share == 0.0
    assert coverage("", points).likely_covered == 0
    partial = coverage("用数据并行训练，ZeRO 切分", ["数据并行 通信量", "ZeRO-3 切分参数"])
    assert [round(point.share, 2) for point in partial.points] == [0.6, 0.4]  # 3 of 5 terms; 2 of 5
    assert [point.likely for point in partial.points] == [True, False]  # the line is drawn at one half
    assert coverage("完全无关的回答", []).total == 0


def test_weak_areas_count_what_was_got_wrong_from_the_first_day(session: Session, learner: int) -> None:
    """Both cards were graded a minute ago, so FSRS recalls both at ~100%; the miss alone tells them apart. A quiz's
    wrong MCQ counts from the quiz's own answer."""
    tags: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[str]] = defaultdict(list)
    for concept_id, question_id in session.exec(select(QuestionConcept.concept_id, QuestionConcept.question_id)):
        tags[question_id].add(concept_id)
        members[concept_id].append(question_id)
    single = {concept: ids[0] for concept, ids in members.items()
              if len(tags[ids[0]]) == 1 and (question := session.get(Question, ids[0])) and question.kind == "open"}
    missed, known = list(single)[:2]
    grade(session=session, user_id=learner, question_id=single[missed], rating=1, now=NOW)
    grade(session=session, user_id=learner, question_id=single[known], rating=3, now=NOW)
    quiz = create_quiz(session=session, user_id=learner, setup=QuizSetup(kinds=["mcq"], count=1, seed=11), now=NOW)
    assert quiz.id is not None
    item = quiz_item(session=session, user_id=learner, quiz_id=quiz.id, position=1)
    wrong = next(choice.label for choice in item.choices if not choice.correct)
    answer_choice(session=session, user_id=learner, quiz_id=quiz.id, position=1, choice=wrong, now=NOW)

    later = NOW + timedelta(minutes=2)
    ranking = {s.concept_id: s for s in concept_strengths(session=session, user_id=learner, now=later)}
    assert ranking[missed].retrievability > 0.95 and ranking[known].retrievability > 0.95
    assert ranking[missed].miss_rate == 1.0 and ranking[known].miss_rate == 0.0
    assert all(ranking[concept].misses >= 1 for concept in tags[item.question.id])  # the quiz's wrong MCQ
    order = [s.concept_id for s in concept_strengths(session=session, user_id=learner, now=later)]
    assert order.index(missed) < order.index(known)
