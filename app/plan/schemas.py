"""The plan's JSON twins (GET /api/plan, GET /api/plan/final)."""

from __future__ import annotations

from typing import Any

from app.plan.final import FinalReview
from app.plan.service import FINAL_REVIEW_DAYS, INTERVIEW_HOUR, Plan


def _round(value: float) -> float:
    return round(value, 4)


def plan_json(plan: Plan) -> dict[str, Any]:
    """`forecast[].reviews` counts cards in review state (the daily review cap applies to them); `learning` and
    `new` are the other grades of that day, `total` all of them. Recall keys are topics ("" for none)."""
    return {
        "interview_date": plan.interview_date.isoformat() if plan.interview_date else None,
        "days_left": plan.days_left,
        "topics": plan.topics,
        "questions": plan.questions,
        "unseen": plan.unseen,
        "daily_new_quota": plan.daily_new_quota,
        "quota_reachable": plan.quota_reachable,
        "lead_days": plan.lead_days,
        "daily_new_limit": plan.daily_new_limit,
        "daily_review_limit": plan.daily_review_limit,
        "prepared": plan.prepared,
        "recall_moment": f"{INTERVIEW_HOUR:02d}:00",
        "forecast": [{"date": day.day.isoformat(), "reviews": day.reviews, "learning": day.learning,
                      "new": day.new, "total": day.total, "backlog": day.backlog} for day in plan.forecast],
        "recall_on_day": {topic: _round(value) for topic, value in plan.recall_on_day.items()},
        "recall_with_plan": {topic: _round(value) for topic, value in plan.recall_with_plan.items()},
        "concepts": [{"id": concept.id, "name_zh": concept.name_zh, "name_en": concept.name_en,
                      "topic": concept.topic, "questions": concept.questions, "seen": concept.seen,
                      "recall_on_day": _round(concept.recall_on_day),
                      "recall_with_plan": _round(concept.recall_with_plan)} for concept in plan.concepts],
        "final_review": {"open": plan.final_review_open, "days_before": FINAL_REVIEW_DAYS},
    }


def final_json(final: FinalReview) -> dict[str, Any]:
    return {"open": final.plan.final_review_open, "concepts": [concept.id for concept in final.concepts],
            "questions": final.question_ids, "done_today": final.done_today, "next": final.next_question}
