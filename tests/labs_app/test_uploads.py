"""Lab results from outside are held to the registered labs and to app/labs/bounds.py's limits, through the upload
form and `preplab lab import` alike: each refusal names the file and the field, and nothing is stored."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.labs import bounds
from app.labs.service import REFERENCE_DIR, LabResultError, import_result, parse_result
from app.progress import import_progress
from app.settings import PROJECT_ROOT, Settings
from app.users import ensure_local_user
from tests import forkserver
from tests.study.dom import parse

LORA = REFERENCE_DIR / "lora_1xH200_20261123.json"


def _lora() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(LORA.read_text(encoding="utf-8"))
    return data


def _own_runs(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM lab_run WHERE NOT reference")).scalar() or 0)


def _upload(client: TestClient, name: str, body: str | bytes) -> Any:
    return client.post("/labs/import", files={"file": (name, body, "application/json")}, follow_redirects=False)


def _banner(response: Any) -> str:
    """The refusal the upload page shows (in the learner's language only)."""
    return parse(response.text).find("p", cls="lab-banner").text()


def test_a_lab_id_that_is_not_registered_is_refused_naming_the_field(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    hostile = {**_lora(), "lab": "../../etc/passwd"}
    refused = _upload(client, "evil.json", json.dumps(hostile))
    assert refused.status_code == 422
    banner = _banner(refused)
    assert banner.startswith("evil.json：字段「lab」") and "../../etc/passwd" in banner and "zero-memory" in banner
    assert "unknown lab" not in banner
    client.post("/settings/language", data={"language": "en"})
    english = _upload(client, "evil.json", json.dumps({**hostile, "tables": "not even a list"}))
    assert english.status_code == 422 and "field 'lab': unknown lab" in _banner(english)  # named first
    assert _own_runs(engine) == 0


@pytest.mark.parametrize(("change", "field"), [
    (lambda data: data["tables"][0].update(rows=[data["tables"][0]["rows"][0]] * 2_001), "tables.0.rows"),
    (lambda data: data.update(notes=["x" * 10_001]), "notes.0"),
    (lambda data: data["charts"][0].update(x=list(range(10_001))), "charts.0.x"),
    (lambda data: data.update(tables=[data["tables"][0]] * 33), "tables"),
    (lambda data: data["params"].update({f"p{i}": i for i in range(100)}), "params"),
])
def test_a_result_past_a_limit_is_refused_naming_the_field(client: TestClient, change: Any, field: str) -> None:
    data = _lora()
    change(data)
    refused = _upload(client, "big.json", json.dumps(data))
    assert refused.status_code == 422, refused.text[:300]
    assert f"字段「{field}」" in _banner(refused)
    assert _own_runs(client.app.state.engine) == 0  # type: ignore[attr-defined]


def test_the_total_number_of_values_is_bounded() -> None:
    data = _lora()
    table = data["tables"][0]
    width = len(table["columns"])
    data["tables"] = [{**table, "rows": [[0] * width] * 2_000} for _ in range(10)]  # each table within its limit
    with pytest.raises(LabResultError, match="at most 250,000"):
        parse_result(json.dumps(data), source="many.json")


def test_every_shipped_result_is_well_inside_the_limits() -> None:
    for path in [*REFERENCE_DIR.glob("*.json"), *(PROJECT_ROOT / "tests" / "data" / "labs").glob("*.json")]:
        bounds.check_bounds(json.loads(path.read_text(encoding="utf-8")))  # raises if not
        assert parse_result(path.read_bytes(), source=path.name).lab


@pytest.mark.parametrize(("body", "words"), [
    (b'{"lab": "lora", "duration_s": NaN}', "NaN is not a JSON number"),
    (b"[" * 5_000 + b"]" * 5_000, "nested deeper than 64"),
    (b"[1, 2, 3]", "must be a JSON object"),
    (b"\xc3\x28", "not UTF-8"),
])
def test_json_that_is_not_standard_or_too_deep_is_refused(engine: Engine, body: bytes, words: str) -> None:
    with Session(engine) as session:
        with pytest.raises(LabResultError, match=words) as caught:
            import_result(session, text=body, source="odd.json")
    assert str(caught.value).startswith("odd.json：") and " / odd.json: " in str(caught.value)  # both languages
    assert _own_runs(engine) == 0


def _cli(settings: Settings, *files: Path) -> subprocess.CompletedProcess[str]:
    return forkserver.preplab("lab", "import", *map(str, files), cwd=PROJECT_ROOT,
                              env={"PREPLAB_DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"})


def test_preplab_lab_import_names_the_file_and_the_field_without_a_traceback(tmp_path: Path, engine: Engine,
                                                                             settings: Settings) -> None:
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps({**_lora(), "lab": "../../etc/passwd"}), encoding="utf-8")
    nan = tmp_path / "nan.json"
    nan.write_text(LORA.read_text(encoding="utf-8").replace('"duration_s": ', '"duration_s": NaN, "x": ', 1))
    for path, words in ((evil, "field 'lab': unknown lab"), (nan, "NaN is not a JSON number"),
                        (tmp_path / "missing.json", "No such file")):
        run = _cli(settings, path)
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr and str(path) in run.stderr and words in run.stderr, run.stderr
    good = _cli(settings, LORA)
    assert good.returncode == 0 and "imported as run" in good.stdout, good.stderr
    assert _own_runs(engine) == 1


def test_a_progress_document_brings_only_lab_runs_an_upload_would_take(engine: Engine) -> None:
    good = {"lab": "lora", "status": "done", "reference": False, "device": "CPU", "params": {}, "error": "",
            "result": _lora(), "started_at": "2026-12-01T09:00:00+00:00", "finished_at": "2026-12-01T09:01:00+00:00",
            "pid": 4242, "server_pid": 1, "run_token": "f" * 32}
    hostile = [
        {**good, "lab": "../../etc/passwd", "started_at": "2026-12-01T10:00:00+00:00"},
        {**good, "result": {**_lora(), "lab": "../../etc/passwd"}, "started_at": "2026-12-01T11:00:00+00:00"},
        {**good, "result": {**_lora(), "notes": ["x" * 10_001]}, "started_at": "2026-12-01T12:00:00+00:00"},
        {**good, "status": "running", "started_at": "2026-12-01T13:00:00+00:00"},
    ]
    document = {"format": "preplab-progress", "version": 1, "lab_runs": [good, *hostile]}
    with Session(engine) as session:  # the learner the runs come to (lab_run.user_id names a user)
        user_id = ensure_local_user(session=session, name="local").id
        session.commit()
    assert user_id is not None
    report = import_progress(engine, document, user_id=user_id)
    assert report.added["lab_runs"] == 1 and report.skipped["lab_runs"] == len(hostile)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT lab, status, pid, server_pid, run_token FROM lab_run")).all()
    assert [tuple(item) for item in stored] == [("lora", "done", None, None, None)]  # no other machine's process
