"""`preplab srs optimize`: too little history says how much more is needed; enough history (simulated through the
real FSRS scheduler) fits parameters with fsrs.Optimizer and stores them, and the scheduler then uses them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fsrs import Scheduler
from sqlalchemy import Engine
from sqlmodel import Session

from app.models import UserSettings
from app.review.optimize import MIN_REVIEWS, countable_reviews, training_logs
from app.review.scheduling import scheduler_for
from app.settings import Settings
from app.users import ensure_local_user
from tests.conftest import ImportInto
from tests.review.conftest import bank_text
from tests.review.history import write_history
from tests.test_cli import preplab

START = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)


def history(engine: Engine, import_into: ImportInto, tmp_path: Path, *, questions: int, days: int) -> int:
    bank = tmp_path / "banks" / "many.md"
    bank.parent.mkdir()
    bank.write_text(bank_text(open_questions=questions), encoding="utf-8")
    assert import_into(bank).total == questions + 1
    with Session(engine) as session:
        user_id = ensure_local_user(session=session, name="local").id
        assert user_id is not None
        question_ids = [f"q-review-{number}" for number in range(1, questions + 1)]
        write_history(session, user_id=user_id, question_ids=question_ids, start=START, days=days, new_per_day=15)
        return countable_reviews(training_logs(session=session, user_id=user_id))


def test_too_few_reviews_says_how_many_more(engine: Engine, import_into: ImportInto, settings: Settings,
                                            tmp_path: Path) -> None:
    countable = history(engine, import_into, tmp_path, questions=10, days=20)
    assert 0 < countable < MIN_REVIEWS
    result = preplab("srs", "optimize", db=tmp_path / "preplab.db", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"还差 {MIN_REVIEWS - countable} 次" in result.stdout and f"{MIN_REVIEWS - countable} more" in result.stdout
    with Session(engine) as session:
        prefs = session.get(UserSettings, 1)
        assert prefs is None or prefs.fsrs_parameters is None


def test_enough_reviews_fit_and_store_parameters(engine: Engine, import_into: ImportInto, settings: Settings,
                                                 tmp_path: Path) -> None:
    # The smallest history that clears the optimizer's 512 reviews: about 900 grades, a few seconds of fitting.
    countable = history(engine, import_into, tmp_path, questions=120, days=90)
    assert countable >= MIN_REVIEWS
    result = preplab("srs", "optimize", db=tmp_path / "preplab.db", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "拟合并保存" in result.stdout
    with Session(engine) as session:
        prefs = session.get(UserSettings, 1)
        assert prefs is not None and prefs.fsrs_parameters is not None
        fitted = prefs.fsrs_parameters
        assert len(fitted) == 21 and fitted != list(Scheduler().parameters)
        scheduler = scheduler_for(session=session, user_id=1, desired_retention=0.9)
        assert list(scheduler.parameters) == fitted
