"""The plan's pages and JSON twins in-process: PUT /api/settings sets the date, GET /api/plan reads the plan, the page
draws the forecast, the form saves, the final review grades as practice."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.importer import ImportReport
from app.models import ReviewCard, ReviewLog
from tests.plan.conftest import DIST, QUESTIONS
from tests.study.dom import parse

HX = {"HX-Request": "true"}


def test_date_set_by_json_and_plan_read_back(client: TestClient, bank: ImportReport) -> None:
    day = (utcnow() + timedelta(days=20)).date().isoformat()
    settings = client.put("/api/settings", json={"interview_date": day, "interview_topics": [DIST]})
    assert settings.status_code == 200 and settings.json()["interview_date"] == day
    plan = client.get("/api/plan").json()
    assert plan["interview_date"] == day and plan["topics"] == [DIST]
    assert isinstance(plan["daily_new_quota"], int) and plan["daily_new_quota"] >= 1
    assert 18 <= len(plan["forecast"]) <= 21 and set(plan["forecast"][0]) >= {"date", "reviews"}
    assert set(plan["recall_on_day"]) == {DIST} and plan["recall_on_day"][DIST] == 0.0
    assert all({"id", "recall_on_day"} <= set(concept) for concept in plan["concepts"]) and plan["concepts"]
    assert client.put("/api/settings", json={"interview_date": None}).json()["interview_date"] is None
    assert client.get("/api/plan").json()["interview_date"] is None
    assert len(client.get("/api/plan").json()["forecast"]) == 30
    assert client.put("/api/settings", json={"interview_date": "2024-02-30"}).status_code == 422
    assert client.put("/api/settings", json={"interview_topics": ["不存在"]}).status_code == 422


def test_plan_page_form_and_forecast_chart(client: TestClient, bank: ImportReport) -> None:
    day = (utcnow() + timedelta(days=12)).date().isoformat()
    saved = client.post("/plan", data={"interview_date": day, "topics": [DIST], "topics_sent": "1",
                                       "daily_new_limit": "2", "daily_review_limit": "50"}, follow_redirects=False)
    assert saved.status_code == 303
    assert client.get("/api/settings").json()["daily_review_limit"] == 50
    page = parse(client.get("/plan").text)
    chart = page.find("svg", data_testid="plan-chart")
    assert len(chart.find_all("g", cls="plan-day")) == len(client.get("/api/plan").json()["forecast"])
    assert chart.find_all("rect", cls="plan-bar-new")
    quota = page.find("div", data_testid="plan-quota")
    assert quota.attrs["data-limit"] == "2" and int(quota.attrs["data-quota"]) >= 1
    use = client.post("/plan", data={"daily_new_limit": quota.attrs["data-quota"]}, follow_redirects=False)
    assert use.status_code == 303
    assert client.get("/api/settings").json()["interview_date"] == day  # the quota button keeps the date
    assert page.find("table", data_testid="plan-recall").find_all("tr", data_topic=DIST)
    bad = client.post("/plan", data={"interview_date": "not a date", "topics_sent": "1"})
    assert bad.status_code == 422 and parse(bad.text).find("p", data_testid="plan-error")


def test_final_review_grades_as_practice(client: TestClient, bank: ImportReport, session: Session) -> None:
    client.post("/api/review/q-plan-d1", json={"rating": 3, "reps": 0})
    day = (utcnow() + timedelta(days=2)).date().isoformat()
    client.put("/api/settings", json={"interview_date": day})
    final = client.get("/api/plan/final").json()
    assert final["open"] and final["next"] in QUESTIONS
    page = parse(client.get("/plan/final").text)
    card = page.find("article", cls="review-card")
    form = card.find("form", cls="review-grades")
    assert form.attrs["action"] == f"/plan/final/{final['next']}"
    due_before = session.exec(select(ReviewCard.due).where(col(ReviewCard.question_id) == "q-plan-d1")).one()
    swapped = client.post(form.attrs["action"], data={"rating": "1"}, headers=HX)
    assert swapped.status_code == 200 and "<html" not in swapped.text
    graded = client.post("/api/plan/final/q-plan-d1", json={"rating": 1}).json()
    assert graded["scheduled"] is False and "q-plan-d1" in graded["done_today"]
    session.expire_all()
    assert session.exec(select(ReviewCard.due).where(col(ReviewCard.question_id) == "q-plan-d1")).one() == due_before
    logs = session.exec(select(ReviewLog).where(col(ReviewLog.origin) == "final")).all()
    assert len(logs) == 2 and not any(log.scheduled for log in logs)
