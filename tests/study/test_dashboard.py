"""The dashboard and /api/dashboard: the queue from the review service, streak, retention, mastery, heatmap."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.clock import local_day, utcnow
from app.content.importer import ImportReport
from app.review.service import grade, queue_counts
from app.study.stats import HEATMAP_WEEKS
from tests.study.conftest import ZONE, add_card, add_log
from tests.study.dom import parse


def _seed(engine: Engine, user_id: int) -> None:
    now = utcnow()
    with Session(engine) as session:
        for days_ago, rating in [(0, 3), (0, 1), (1, 4), (2, 3)]:
            add_log(session, user_id=user_id, question_id="q-1a2b3c4d5e", at=now - timedelta(days=days_ago),
                    rating=rating)
        add_log(session, user_id=user_id, question_id="q-mcq-zero2", at=now - timedelta(days=9), rating=1,
                state_before=1)  # a learning step: not part of retention
        add_card(session, user_id=user_id, question_id="q-1a2b3c4d5e", state=2, stability=40.0,
                 due=now + timedelta(days=30))
        add_card(session, user_id=user_id, question_id="q-mcq-zero2", state=1, stability=1.0,
                 due=now - timedelta(hours=1))
        session.commit()


def test_dashboard_json(banks: ImportReport, engine: Engine, client: TestClient) -> None:
    user_id = client.app.state.local_user_id  # type: ignore[attr-defined]
    _seed(engine, user_id)
    board = client.get("/api/dashboard").json()
    today = local_day(utcnow(), ZoneInfo(ZONE))
    with Session(engine) as session:
        queue = queue_counts(session=session, user_id=user_id, daily_new_limit=20, zone=ZoneInfo(ZONE))
    assert (board["due_now"], board["new_available"], board["reviewed_today"]) == (
        queue.due_now, queue.new_available, queue.reviewed_today)
    assert board["due_now"] == 1
    assert board["streak_days"] == 3
    assert board["retention"] == {"rate": 0.75, "recalled": 3, "total": 4, "window_days": 30}
    mastery = {row["topic"]: row for row in board["mastery"]}
    assert mastery["分布式训练与系统架构"] == {"topic": "分布式训练与系统架构", "total": 5, "mastered": 1,
                                        "learning": 1, "new": 3}
    assert [row["topic"] for row in board["mastery"]] == ["大模型基础", "分布式训练与系统架构"]  # catalogue order
    heatmap = board["heatmap"]
    assert heatmap[-1] == {"date": today.isoformat(), "count": 2}
    assert sum(day["count"] for day in heatmap) == 5
    assert board["today"] == today.isoformat()


def test_dashboard_page(banks: ImportReport, engine: Engine, client: TestClient) -> None:
    _seed(engine, client.app.state.local_user_id)  # type: ignore[attr-defined]
    page = parse(client.get("/").text)
    assert page.find(data_stat="streak").find("dd").text().split()[0] == "3"
    assert page.find(data_stat="retention").find("dd").text().strip().startswith("75")
    cells = page.find("div", cls="heatmap").find_all("span", cls="day")
    assert len(cells) == 7 * HEATMAP_WEEKS
    dated = [cell for cell in cells if "data-date" in cell.attrs]
    assert dated[-1].attrs["title"] == f"{dated[-1].attrs['data-date']}：2 次评分"
    row = page.find("li", cls="mastery-row", data_topic="分布式训练与系统架构")
    widths = {segment.attrs["data-part"]: segment.attrs["data-pct"] for segment in row.find_all(cls="segment")}
    assert widths == {"mastered": "20.00", "learning": "20.00", "new": "60.00"}
    assert "保持率" in page.find("details", cls="definitions").text()  # the definition is on the page


def test_empty_dashboard(client: TestClient) -> None:
    board = client.get("/api/dashboard").json()
    assert (board["due_now"], board["new_available"], board["streak_days"]) == (0, 0, 0)
    assert board["retention"]["rate"] is None and board["mastery"] == []
    assert len(board["heatmap"]) > 52 * 7


def test_grades_from_the_review_service_feed_retention_and_streak(
    banks: ImportReport, engine: Engine, client: TestClient
) -> None:
    user_id = client.app.state.local_user_id  # type: ignore[attr-defined]
    now = utcnow()
    with Session(engine) as session:
        for days_ago, rating in [(3, 3), (2, 3), (1, 1), (0, 3)]:  # new → learning → review → lapse → relearning
            grade(session=session, user_id=user_id, question_id="q-mcq-zero2", rating=rating,
                  now=now - timedelta(days=days_ago))
    board = client.get("/api/dashboard").json()
    assert board["streak_days"] == 4 and board["reviewed_today"] == 1
    # Only the lapse was a grade of a card in Review state; the learning steps don't count.
    assert board["retention"] == {"rate": 0.0, "recalled": 0, "total": 1, "window_days": 30}
