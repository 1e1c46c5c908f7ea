"""Lab results in the app: reference loading, import validation, parameter checks, one run per device."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.clock import as_utc
from app.labs import runner
from app.labs.catalog import load_catalog
from app.labs.service import (
    REFERENCE_DIR,
    LabRequestError,
    LabResultError,
    import_result,
    latest_result,
    load_reference_results,
    own_result,
    own_runs,
    parse_result,
    reference_result,
    resolve_request,
)
from app.models import LabRun
from tests.lab_runs import SHORT_LAB, SHORT_RUN

REFERENCES = sorted(REFERENCE_DIR.glob("*.json"))


def test_importing_the_app_side_does_not_import_torch() -> None:
    # A fresh interpreter: other tests of this run may have imported torch already.
    probe = "import sys, app.main, app.labs.catalog as c; c.load_catalog(); assert 'torch' not in sys.modules"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr


def test_reference_results_load_once(engine: Engine) -> None:
    with Session(engine) as session:
        assert len(load_reference_results(session)) == len(REFERENCES) > 0
        assert load_reference_results(session) == []
        rows = session.exec(select(LabRun)).all()
    assert len(rows) == len(REFERENCES)
    assert all(row.reference and row.status == "done" for row in rows)
    assert {row.device for row in rows} >= {"NVIDIA H200 ×2"}
    # A reference finished when it was measured, so every database that loads it holds the same row (and a page
    # laid out for one is laid out for all).
    durations = {(result.lab, as_utc(result.started_at)): result.duration_s
                 for result in (parse_result(path.read_bytes(), source=path.name) for path in REFERENCES)}
    for row in rows:
        finished, started = as_utc(row.finished_at), as_utc(row.started_at)
        assert finished is not None and started is not None
        assert finished - started == timedelta(seconds=durations[(row.lab, started)])


def test_the_most_recently_measured_reference_is_shown(engine: Engine, tmp_path: Path) -> None:
    """Two reference results of one lab: the one measured last wins, whatever order the files load in."""
    text = sorted(REFERENCE_DIR.glob("lora_*.json"))[0].read_text(encoding="utf-8")
    older, newer = json.loads(text), json.loads(text)
    newer["started_at"] = "2030-01-01T00:00:00Z"
    newer["env"]["device_name"] = "NVIDIA B200"
    (tmp_path / "a-newer.json").write_text(json.dumps(newer), encoding="utf-8")  # loads first
    (tmp_path / "b-older.json").write_text(json.dumps(older), encoding="utf-8")
    with Session(engine) as session:
        assert load_reference_results(session, directory=tmp_path) == ["a-newer.json", "b-older.json"]
        shown = latest_result(session, lab="lora", user_id=1)
        assert shown is not None and shown.reference and "B200" in shown.device


def test_own_import_is_shown_beside_the_reference_never_instead(engine: Engine) -> None:
    text = next(p for p in REFERENCES if p.name.startswith("lora")).read_text()
    with Session(engine) as session:
        load_reference_results(session)
        reference = reference_result(session, lab="lora")
        run = import_result(session, text=text, source="lora.json")
        assert run.reference is False and reference is not None and reference.reference
        shown_reference = reference_result(session, lab="lora")
        assert shown_reference is not None and shown_reference.id == reference.id  # still the reference
        mine = own_result(session, lab="lora", user_id=1)
        assert mine is not None and mine.id == run.id
        assert [row.id for row in own_runs(session, lab="lora", user_id=1)] == [run.id]
        latest = latest_result(session, lab="lora", user_id=1)  # the JSON twins' "latest": the newest of either
        assert latest is not None and latest.id == run.id


def test_bad_import_names_the_field(engine: Engine) -> None:
    data = json.loads(REFERENCES[0].read_text())
    data["checks"][0]["predicted"] = "lots"
    with Session(engine) as session:
        with pytest.raises(LabResultError, match=r"checks\.0\.predicted"):
            import_result(session, text=json.dumps(data), source="bad.json")
        with pytest.raises(LabResultError, match="not valid JSON"):
            import_result(session, text="{nope", source="bad.json")
        del data["env"]
        with pytest.raises(LabResultError, match=r"\benv\b"):
            import_result(session, text=json.dumps(data), source="bad.json")
        assert session.exec(select(LabRun)).all() == []


def test_params_are_validated_by_the_lab_spec() -> None:
    catalog = load_catalog()
    assert set(catalog.specs) >= {"zero-memory", "mixed-precision", "lora"}
    _spec, params = resolve_request(catalog, lab="lora", device="cpu", raw={"steps": "4", "seed": ""})
    assert params["steps"] == 4 and params["d_model"] == 64  # the CPU size fills what the form left empty
    with pytest.raises(LabRequestError, match="steps"):
        resolve_request(catalog, lab="lora", device="cpu", raw={"steps": "-3"})
    with pytest.raises(LabRequestError, match="unknown parameter"):
        resolve_request(catalog, lab="lora", device="cpu", raw={"bogus": "1"})
    with pytest.raises(LabRequestError, match="unknown lab"):
        resolve_request(catalog, lab="rm -rf", device="cpu", raw={})
    if not catalog.cuda:
        with pytest.raises(LabRequestError, match="device"):
            resolve_request(catalog, lab="lora", device="cuda", raw={})


def test_a_real_cpu_run_is_stored_and_a_second_start_waits_its_turn(engine: Engine, tmp_path: Path) -> None:
    catalog = load_catalog()
    run = runner.start_run(engine, catalog, lab=SHORT_LAB, device="cpu", raw=SHORT_RUN, timeout_s=120)
    assert run.status == "running"
    second = runner.start_run(engine, catalog, lab=SHORT_LAB, device="cpu", raw=SHORT_RUN, timeout_s=120)
    assert second.status == "queued"  # one run per device: it starts when the first ends
    assert runner.wait(run.id or 0, 120)
    assert runner.wait(second.id or 0, 120, engine)
    with Session(engine) as session:
        after = session.get(LabRun, second.id)
        assert after is not None and after.status == "done", after and after.error
    with Session(engine) as session:
        stored = session.get(LabRun, run.id)
        assert stored is not None and stored.status == "done", stored and stored.error
        assert stored.result is not None and stored.result["lab"] == SHORT_LAB
        assert stored.result["params"]["seq_lens"] == SHORT_RUN["seq_lens"] and stored.result["checks"]
        assert stored.finished_at is not None


def test_cancel_terminates_the_process(engine: Engine) -> None:
    run = runner.start_run(engine, load_catalog(), lab="lora", device="cpu", raw={}, timeout_s=120)
    assert runner.cancel(run.id or 0)
    assert runner.wait(run.id or 0, 30)
    with Session(engine) as session:
        stored = session.get(LabRun, run.id)
        assert stored is not None and stored.status == "cancelled" and stored.result is None


def test_timeout_fails_the_run(engine: Engine) -> None:
    run = runner.start_run(engine, load_catalog(), lab="lora", device="cpu", raw={}, timeout_s=0.5)
    assert runner.wait(run.id or 0, 30)
    with Session(engine) as session:
        stored = session.get(LabRun, run.id)
        assert stored is not None and stored.status == "failed" and "timed out" in stored.error
