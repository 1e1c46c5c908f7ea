"""Mock-interview use cases: start a round, read it, autosave an answer, hand it in.

The server keeps the clock. A round's deadline is fixed when it starts and nothing a client sends moves it. Every
save is one conditional UPDATE of the answer row, committed before the caller answers, that only matches while the
round is open (not finished, deadline still ahead), so an answer after the deadline or after hand-in changes
nothing and is refused (409). Answers are keyed by (interview, position), so two rounds in two tabs never mix.

Saves can reach the server out of order (a keepalive save sent on leaving the page overtakes an earlier one still in
flight; two tabs of one round interleave), so a client numbers its edits of a position: a save that carries a
revision is applied only when it is newer than the stored one, by the same UPDATE that checks the deadline, and an
older one is answered with the stored state and `stale`. A save without a revision is applied as it comes.

Time per question is reported by the client (the milliseconds the question was on screen since its last saved
report) and capped on the server at the wall time since the round's previous save (or its start), so one round's
question times can never add up to more than the time that really passed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app import clock
from app.choices import ChoiceProblem, parse_labels, split_stored, stored_choice
from app.mock.errors import AlreadyFinished, InvalidAnswer, TimeUp, UnknownInterview, UnknownPosition
from app.mock.selection import draw
from app.mock.setup import MockSetup, resolve
from app.models import Choice, KeyPoint, MockAnswer, MockInterview, Question, ReviewCard
from app.quiz.service import MAX_ANSWER_CHARS
from app.study.service import CorrectionView, answer_corrections_of

__all__ = ["MAX_ANSWER_CHARS", "Round", "RoundItem", "Saved", "create_interview", "finish_interview", "load_round",
           "save_answer"]


def now_utc(now: datetime | None = None) -> datetime:
    return (now or clock.utcnow()).astimezone(UTC)


def _utc(moment: datetime | None) -> datetime:
    value = clock.as_utc(moment)
    assert value is not None
    return value


@dataclass(frozen=True)
class RoundItem:
    """One position of a round: the question, its options and key points, the saved answer, and the corrections of
    the reference answer (shown with it once the round is over)."""

    position: int
    question: Question
    choices: list[Choice]
    key_points: list[str]
    answer: MockAnswer
    corrections: list[CorrectionView] = field(default_factory=list)

    @property
    def correct_labels(self) -> list[str]:
        return [choice.label for choice in self.choices if choice.correct]

    @property
    def multiple(self) -> bool:
        return len(self.correct_labels) > 1

    @property
    def chosen(self) -> list[str]:
        return split_stored(self.answer.choice)

    @property
    def answered(self) -> bool:
        return bool(self.chosen) if self.question.kind == "mcq" else bool(self.answer.answer.strip())

    @property
    def status(self) -> str:
        """right | wrong | ungraded (an open answer not yet self-graded) | unanswered; meaningful once finished."""
        if not self.answered:
            return "unanswered"
        if self.question.kind == "mcq":
            return "right" if set(self.chosen) == set(self.correct_labels) else "wrong"
        if self.answer.self_grade is None:
            return "ungraded"
        return "right" if self.answer.self_grade > 1 else "wrong"


@dataclass(frozen=True)
class Round:
    interview: MockInterview
    items: list[RoundItem]
    now: datetime

    @property
    def id(self) -> int:
        assert self.interview.id is not None
        return self.interview.id

    @property
    def started_at(self) -> datetime:
        return _utc(self.interview.started_at)

    @property
    def deadline(self) -> datetime:
        return _utc(self.interview.deadline)

    @property
    def finished_at(self) -> datetime | None:
        return clock.as_utc(self.interview.finished_at)

    @property
    def status(self) -> str:
        """running | expired (time ran out, not handed in yet) | finished."""
        if self.finished_at is not None:
            return "finished"
        return "running" if self.now < self.deadline else "expired"

    @property
    def remaining_ms(self) -> int:
        if self.status != "running":
            return 0
        return int((self.deadline - self.now).total_seconds() * 1000)

    @property
    def budget_ms(self) -> int:
        """The time budget per question (minutes_per_question, else the round's time shared equally)."""
        return int(float(self.interview.settings.get("minutes_per_question", 0)) * 60_000)

    @property
    def total(self) -> int:
        return len(self.items)

    def item(self, position: int) -> RoundItem:
        if not 1 <= position <= self.total:
            raise UnknownPosition(position=position, total=self.total)
        return self.items[position - 1]


def _interview(session: Session, user_id: int, interview_id: int) -> MockInterview:
    interview = session.get(MockInterview, interview_id)
    if interview is None or interview.user_id != user_id:
        raise UnknownInterview(interview_id=interview_id)
    return interview


def _grouped(session: Session, model: Any, question_ids: list[str]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in session.exec(select(model).where(col(model.question_id).in_(question_ids))
                            .order_by(col(model.question_id), col(model.position))).all():
        grouped[row.question_id].append(row)
    return grouped


def load_round(*, session: Session, user_id: int, interview_id: int, now: datetime | None = None,
               reference: bool = True) -> Round:
    """A round with every question and saved answer, as the database holds it now; `reference=False` leaves out
    the key points and corrections (an autosave needs neither, and it runs every second or two while typing)."""
    interview = _interview(session, user_id, interview_id)
    answers = list(session.exec(select(MockAnswer).where(col(MockAnswer.interview_id) == interview_id)
                                .order_by(col(MockAnswer.position))).all())
    ids = [answer.question_id for answer in answers]
    questions = {question.id: question for question in session.exec(
        select(Question).where(col(Question.id).in_(ids))).all()}
    choices = _grouped(session, Choice, ids)
    points = _grouped(session, KeyPoint, ids) if reference else {}
    corrections = answer_corrections_of(session=session, question_ids=ids) if reference else {}
    items = [RoundItem(position=answer.position, question=questions[answer.question_id],
                       choices=choices.get(answer.question_id, []),
                       key_points=[point.text for point in points.get(answer.question_id, [])], answer=answer,
                       corrections=corrections.get(answer.question_id, []))
             for answer in answers]
    return Round(interview=interview, items=items, now=now_utc(now))


def create_interview(*, session: Session, user_id: int, setup: MockSetup, now: datetime | None = None,
                     desired_retention: float = 0.9, lang: str = "zh") -> Round:
    """Draw the questions and start the clock; the round and one empty answer per position in one commit."""
    moment = now_utc(now)
    plan = resolve(session=session, setup=setup)
    drawn = draw(session=session, user_id=user_id, plan=plan, now=moment, desired_retention=desired_retention,
                 lang=lang)
    count = len(drawn.question_ids)
    settings = plan.stored(count=count, seed=drawn.seed, weak_concepts=drawn.weak_concepts)
    deadline = moment + timedelta(milliseconds=round(settings["minutes"] * 60_000))
    interview = MockInterview(user_id=user_id, title=plan.title, settings=settings, started_at=moment,
                              deadline=deadline)
    session.add(interview)
    session.flush()
    assert interview.id is not None
    for position, question_id in enumerate(drawn.question_ids, start=1):
        session.add(MockAnswer(interview_id=interview.id, position=position, question_id=question_id))
    session.commit()
    return load_round(session=session, user_id=user_id, interview_id=interview.id, now=moment)


def _refusal(interview: MockInterview, now: datetime) -> AlreadyFinished | TimeUp | None:
    """Why this round takes no more answers now, or None while it is open."""
    if interview.finished_at is not None:
        return AlreadyFinished(interview_id=interview.id)
    deadline = _utc(interview.deadline)
    if now >= deadline:
        return TimeUp(deadline=deadline.strftime("%Y-%m-%d %H:%M:%S UTC"), interview_id=interview.id)
    return None


def _choice_value(item: RoundItem, choice: str | Sequence[str]) -> str | None:
    if (isinstance(choice, str) and not choice.strip()) or (not isinstance(choice, str) and not any(choice)):
        return None  # an empty choice clears the selection
    try:
        chosen = parse_labels(choice, [option.label for option in item.choices], multiple=item.multiple)
    except ChoiceProblem as problem:
        raise InvalidAnswer(f"mock.error.{problem.reason}", field="choice", **problem.values) from problem
    stored = stored_choice(chosen)
    return stored if len(stored) <= 8 else "".join(chosen)  # the column holds 8 characters


def _answer_values(item: RoundItem, answer: str | None, choice: str | Sequence[str] | None,
                   flagged: bool | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if answer is not None:
        if item.question.kind == "mcq":
            raise InvalidAnswer("mock.error.choice_expected", field="answer")
        if len(answer) > MAX_ANSWER_CHARS:
            raise InvalidAnswer("mock.error.answer_too_long", field="answer", limit=MAX_ANSWER_CHARS)
        values["answer"] = answer
    if choice is not None:
        if item.question.kind != "mcq":
            raise InvalidAnswer("mock.error.answer_expected", field="choice")
        values["choice"] = _choice_value(item, choice)
    if flagged is not None:
        values["flagged"] = flagged
    return values


def _time_credit(session: Session, interview: MockInterview, elapsed_ms: int | None, now: datetime) -> int:
    """The reported time, capped at the wall time since this round's previous save (or its start)."""
    if not elapsed_ms or elapsed_ms <= 0:
        return 0
    last_saved = session.exec(select(func.max(MockAnswer.saved_at))
                              .where(col(MockAnswer.interview_id) == interview.id)).one()
    since = max(_utc(interview.started_at), clock.as_utc(last_saved) or _utc(interview.started_at))
    window = min(now, _utc(interview.deadline)) - since
    return max(0, min(int(elapsed_ms), int(window.total_seconds() * 1000)))


@dataclass(frozen=True)
class Saved:
    """A save's outcome: the round as stored afterwards, and whether the save was older than the stored answer (then
    only its time counted)."""

    round: Round
    stale: bool = False


def _write(session: Session, interview_id: int, position: int, moment: datetime, values: dict[str, Any],
           *conditions: Any) -> bool:
    """One conditional UPDATE of the answer row, matching only while the round is open; True when it matched."""
    open_round = select(MockInterview.id).where(col(MockInterview.id) == interview_id,
                                                col(MockInterview.finished_at).is_(None),
                                                col(MockInterview.deadline) > moment)
    result: Any = session.execute(
        update(MockAnswer)
        .where(col(MockAnswer.interview_id) == interview_id, col(MockAnswer.position) == position,
               col(MockAnswer.interview_id).in_(open_round), *conditions)
        .values(**values).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)


def save_answer(*, session: Session, user_id: int, interview_id: int, position: int, answer: str | None = None,
                choice: str | Sequence[str] | None = None, flagged: bool | None = None,
                elapsed_ms: int | None = None, revision: int | None = None, now: datetime | None = None) -> Saved:
    """Autosave one position (any of: text, choice, flag, time on it) and commit; refused with TimeUp after the
    deadline and AlreadyFinished after hand-in, changing nothing. With a revision, text, choice and flag are written
    only when it is above the stored one (then it becomes the stored one); an older or equal revision is stale and
    only its time counts. Without one they are written anyway and the stored revision goes up by one."""
    moment = now_utc(now)
    current = load_round(session=session, user_id=user_id, interview_id=interview_id, now=moment, reference=False)
    item = current.item(position)
    refusal = _refusal(current.interview, moment)
    if refusal is not None:
        raise refusal
    values = _answer_values(item, answer, choice, flagged)
    if not values and elapsed_ms is None:
        raise InvalidAnswer("mock.error.nothing_sent", field="answer")
    credit = _time_credit(session, current.interview, elapsed_ms, moment)
    timed = {"saved_at": moment, "time_spent_ms": col(MockAnswer.time_spent_ms) + credit}
    ordered = bool(values) and revision is not None
    if values:
        values["revision"] = revision if revision is not None else col(MockAnswer.revision) + 1
    newer = [col(MockAnswer.revision) < revision] if ordered else []
    written = _write(session, interview_id, position, moment, {**timed, **values}, *newer)
    stale = ordered and not written
    if stale:
        # Either the round closed or a newer edit is stored: a time-only write tells which (with no time to add it
        # changes nothing; it only matches while the round is open) and keeps the stale save's time on the question.
        written = _write(session, interview_id, position, moment,
                         timed if credit else {"time_spent_ms": col(MockAnswer.time_spent_ms)})
    if not written:
        session.rollback()  # handed in or timed out between the read and the write
        session.expire_all()
        raise _refusal(_interview(session, user_id, interview_id), moment) or AlreadyFinished(
            interview_id=interview_id)
    session.commit()
    session.expire_all()
    return Saved(round=load_round(session=session, user_id=user_id, interview_id=interview_id, now=moment,
                                  reference=False), stale=stale)


def _card_versions(session: Session, user_id: int, question_ids: list[str]) -> dict[str, int]:
    """Each question's review-card version when the round ended: "send to review" grades exactly that version,
    so the review service's per-version idempotency turns a second click into a duplicate, never a second log."""
    reps = dict(session.exec(select(ReviewCard.question_id, ReviewCard.reps).where(  # type: ignore[arg-type]
        col(ReviewCard.user_id) == user_id, col(ReviewCard.question_id).in_(question_ids))).all())
    return {question_id: int(reps.get(question_id, 0)) for question_id in question_ids}


def finish_interview(*, session: Session, user_id: int, interview_id: int, now: datetime | None = None) -> Round:
    """Hand the round in (a repeat changes nothing). A round handed in late ends at its deadline."""
    moment = now_utc(now)
    interview = _interview(session, user_id, interview_id)
    ended = min(moment, _utc(interview.deadline))
    result: Any = session.execute(
        update(MockInterview).where(col(MockInterview.id) == interview_id, col(MockInterview.finished_at).is_(None))
        .values(finished_at=ended).execution_options(synchronize_session=False))
    if result.rowcount == 1:
        ids = list(session.exec(select(MockAnswer.question_id)
                                .where(col(MockAnswer.interview_id) == interview_id)).all())
        session.refresh(interview)
        settings = {**interview.settings, "card_versions": _card_versions(session, user_id, ids)}
        session.execute(update(MockInterview).where(col(MockInterview.id) == interview_id)
                        .values(settings=settings).execution_options(synchronize_session=False))
    session.commit()
    session.expire_all()
    return load_round(session=session, user_id=user_id, interview_id=interview_id, now=moment)


def close_if_expired(*, session: Session, user_id: int, interview_id: int, now: datetime | None = None) -> Round:
    """The round as it stands, handed in first when its time has run out (the report of a tab left closed)."""
    current = load_round(session=session, user_id=user_id, interview_id=interview_id, now=now)
    if current.status == "expired":
        return finish_interview(session=session, user_id=user_id, interview_id=interview_id, now=now)
    return current
