"""The cohort as JSON (/api/cohort): the same figures the page shows."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.cohort.service import Cohort


def cohort_json(cohort: Cohort) -> dict[str, Any]:
    return {
        "today": cohort.today,
        "learners": [asdict(line) for line in cohort.learners],
        "weakest_concepts": [asdict(line) for line in cohort.weakest],
        "rounds": [{"user_id": point.user_id, "user": point.name, "interview_id": point.interview_id,
                    "title": point.title, "started_at": point.started_at, "day": point.day, "right": point.right,
                    "total": point.total, "percent": point.percent} for point in cohort.rounds],
    }
