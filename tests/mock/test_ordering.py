"""Saves that arrive out of order: a numbered edit older than the stored one changes no answer, choice or flag
(only its time on the question counts, capped as always), the deadline still wins, and a save without a number is
kept as it comes. Over the service, the JSON API and the plain-form page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.mock.errors import AlreadyFinished, TimeUp
from app.mock.service import Round, Saved, create_interview, finish_interview, save_answer
from app.mock.setup import MockSetup
from tests.mock.conftest import NOW, Clock, labels, snapshot, stored_answers
from tests.study.dom import parse


def start(session: Session, learner: int, **setup: object) -> Round:
    values = {"count": 2, "minutes": 10, "seed": 7, "mix": {"open": 2}, **setup}
    return create_interview(session=session, user_id=learner, setup=MockSetup.model_validate(values), now=NOW)


def at(seconds: float) -> Any:
    return NOW + timedelta(seconds=seconds)


def test_an_older_revision_never_replaces_a_newer_answer(session: Session, learner: int) -> None:
    current = start(session, learner)

    def save(seconds: float, **values: Any) -> Saved:
        return save_answer(session=session, user_id=learner, interview_id=current.id, position=1, now=at(seconds),
                           **values)

    newer = save(5, answer="第一稿，第二稿", flagged=False, revision=2, elapsed_ms=4_000)
    assert not newer.stale and newer.round.item(1).answer.revision == 2
    # The revision-1 save was sent first but lands second: its text and flag are dropped, its time still counts.
    older = save(8, answer="第一稿", flagged=True, revision=1, elapsed_ms=2_000)
    row = older.round.item(1).answer
    assert older.stale
    assert (row.answer, row.flagged, row.revision, row.time_spent_ms) == ("第一稿，第二稿", False, 2, 6_000)
    # The usual cap: a stale save claiming a minute gets the 1 s that passed since the previous save.
    assert save(9, answer="第一稿", revision=1, elapsed_ms=60_000).round.item(1).answer.time_spent_ms == 7_000
    assert save(10, answer="同一编号的另一版", revision=2).stale  # equal is not newer
    latest = save(11, answer="第三稿", flagged=True, revision=3)
    assert not latest.stale
    assert (latest.round.item(1).answer.answer, latest.round.item(1).answer.flagged) == ("第三稿", True)
    assert [row.answer for row in stored_answers(session, current.id)] == ["第三稿", ""]


def test_a_stale_save_without_time_changes_nothing(session: Session, learner: int) -> None:
    current = start(session, learner)
    save_answer(session=session, user_id=learner, interview_id=current.id, position=2, answer="新的", revision=4,
                now=at(3))
    before = snapshot(session, current.id)
    stale = save_answer(session=session, user_id=learner, interview_id=current.id, position=2, answer="旧的",
                        flagged=True, revision=3, now=at(6))
    assert stale.stale and snapshot(session, current.id) == before


def test_choices_are_ordered_too(session: Session, learner: int) -> None:
    current = start(session, learner, mix={"mcq": 2})
    right, wrong = labels(session, current.item(1).question.id)
    save_answer(session=session, user_id=learner, interview_id=current.id, position=1, choice=right, revision=7,
                now=at(2))
    older = save_answer(session=session, user_id=learner, interview_id=current.id, position=1, choice=wrong,
                        revision=6, now=at(3))
    assert older.stale and older.round.item(1).chosen == [right]


def test_without_a_revision_the_last_save_wins_and_counts_up(session: Session, learner: int) -> None:
    current = start(session, learner)

    def save(**values: Any) -> int:
        saved = save_answer(session=session, user_id=learner, interview_id=current.id, position=1, now=at(4),
                            **values)
        assert not saved.stale
        return saved.round.item(1).answer.revision

    assert save(answer="无编号") == 1
    assert save(answer="有编号", revision=5) == 5
    assert save(answer="无编号的表单保存") == 6  # a plain form (no JavaScript) still overwrites, and counts up
    assert save(elapsed_ms=500) == 6  # time alone is no edit
    assert save(elapsed_ms=500, revision=2) == 6  # nor is it ordered: a number on it is ignored
    assert stored_answers(session, current.id)[0].answer == "无编号的表单保存"


def test_the_deadline_and_hand_in_still_refuse_numbered_saves(session: Session, learner: int) -> None:
    current = start(session, learner, minutes=1)
    save_answer(session=session, user_id=learner, interview_id=current.id, position=1, answer="截止前", revision=2,
                elapsed_ms=5_000, now=at(20))
    before = snapshot(session, current.id)
    for revision in (1, 3):  # stale or newer, after the deadline both are refused and nothing changes
        with pytest.raises(TimeUp):
            save_answer(session=session, user_id=learner, interview_id=current.id, position=1, answer="截止后",
                        revision=revision, elapsed_ms=9_000, now=current.deadline + timedelta(seconds=1))
    assert snapshot(session, current.id) == before
    finish_interview(session=session, user_id=learner, interview_id=current.id, now=at(30))
    with pytest.raises(AlreadyFinished):
        save_answer(session=session, user_id=learner, interview_id=current.id, position=1, answer="交卷后",
                    revision=1, elapsed_ms=1_000, now=at(31))
    assert snapshot(session, current.id) == before


def put(client: TestClient, interview_id: int, position: int, **body: Any) -> Any:
    return client.put(f"/api/mock-interviews/{interview_id}/answers/{position}", json=body)


def test_the_api_answers_an_older_save_with_the_newer_state(client: TestClient, frozen: Clock) -> None:
    created = client.post("/api/mock-interviews", json={"count": 2, "minutes": 5, "mix": {"open": 2}}).json()
    interview = created["id"]
    frozen.advance(seconds=4)
    newer = put(client, interview, 1, answer="先写的，后写的", flagged=False, revision=2, elapsed_ms=3_000)
    assert newer.status_code == 200 and newer.json()["stale"] is False and newer.json()["revision"] == 2
    frozen.advance(seconds=2)
    older = put(client, interview, 1, answer="先写的", flagged=True, revision=1, elapsed_ms=1_500)
    assert older.status_code == 200, older.text
    body = older.json()
    assert body["stale"] is True and body["answer"] == "先写的，后写的" and body["flagged"] is False
    assert body["revision"] == 2 and body["time_spent_ms"] == 4_500
    stored = client.get(f"/api/mock-interviews/{interview}").json()["questions"]
    assert [(q["saved"]["answer"], q["saved"]["revision"]) for q in stored] == [("先写的，后写的", 2), ("", 0)]
    plain = put(client, interview, 2, answer="不带编号")  # the API without revision, as before
    assert plain.json()["stale"] is False and plain.json()["revision"] == 1
    for bad in (0, -1, "two", 2**53):
        assert put(client, interview, 1, answer="x", revision=bad).status_code == 422
    frozen.advance(minutes=5)  # past the deadline: still a 409, stale or not
    assert put(client, interview, 1, answer="晚了", revision=1).status_code == 409
    assert put(client, interview, 1, answer="晚了", revision=9).status_code == 409
    assert client.get(f"/api/mock-interviews/{interview}").json()["questions"][0]["saved"]["answer"] \
        == "先写的，后写的"


def test_the_page_carries_each_stored_revision(client: TestClient, frozen: Clock) -> None:
    created = client.post("/api/mock-interviews", json={"count": 2, "minutes": 5, "mix": {"open": 2}}).json()
    put(client, created["id"], 2, answer="第二题", revision=41)
    forms = parse(client.get(f"/mock/{created['id']}").text).find_all("form", cls="mock-question")
    assert [form.attrs["data-revision"] for form in forms] == ["0", "41"]
