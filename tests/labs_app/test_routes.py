"""The lab pages and JSON twins through the app (TestClient over a migrated temporary database)."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.labs.service import REFERENCE_DIR
from app.models import QuestionConcept
from tests.conftest import CONTENT


def test_pages_show_reference_results(client: TestClient) -> None:
    page = client.get("/labs")
    assert page.status_code == 200 and "参考结果：在 NVIDIA H200 ×2 上测得" in page.text
    lab = client.get("/labs/zero-memory")
    assert lab.status_code == 200 and "<svg" in lab.text and "lab-checks" in lab.text
    assert client.get("/labs/nope").status_code == 404
    listing = client.get("/api/labs").json()
    assert {entry["id"] for entry in listing["labs"]} == {"zero-memory", "mixed-precision", "lora"}
    latest = client.get("/api/labs/lora").json()["latest"]
    assert latest["reference"] is True and latest["result"]["checks"]


def test_concept_page_renders_lab_results(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    from app.content.service import import_paths

    import_paths(client.app.state.engine, [CONTENT], settings=settings)  # type: ignore[attr-defined]
    page = client.get("/concepts/zero")
    assert page.status_code == 200
    assert 'data-lab="zero-memory"' in page.text and "<svg" in page.text and "placeholder" not in page.text.split(
        'id="lab-results"')[1].split("</section>")[0]


def test_question_page_lists_the_checks_in_its_side_column(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    from app.content.service import import_paths
    from tests.study.dom import parse

    import_paths(client.app.state.engine, [CONTENT], settings=settings)  # type: ignore[attr-defined]
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        question = session.exec(select(QuestionConcept.question_id).where(QuestionConcept.concept_id == "zero")).first()
    dom = parse(client.get(f"/questions/{question}").text)
    result = dom.find("article", cls="lab-result", data_lab="zero-memory")
    assert "compact" in result.classes and not result.find_all("table")  # a list fits the narrow column
    checks = result.find("section", cls="lab-checks-compact").find_all("li")
    reference = json.loads(next(REFERENCE_DIR.glob("zero-memory_*.json")).read_text(encoding="utf-8"))
    assert len(checks) == len(reference["checks"]) and all("pass" in li.classes for li in checks)


def test_upload_import_and_errors(client: TestClient) -> None:
    text = (REFERENCE_DIR / "lora_1xH200_20261123.json").read_text()
    bad = json.loads(text)
    bad["tables"][0]["rows"][0] = [1]
    refused = client.post("/labs/import", files={"file": ("bad.json", json.dumps(bad), "application/json")})
    assert refused.status_code == 422 and "tables.0" in refused.text
    done = client.post("/labs/import", files={"file": ("lora.json", text, "application/json")},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/labs/lora"
    assert client.get("/api/labs/lora").json()["latest"]["reference"] is False


def test_api_run_lifecycle(client: TestClient) -> None:
    bad = client.post("/api/labs/lora/runs", json={"device": "cpu", "params": {"steps": 0}})
    assert bad.status_code == 422 and "steps" in bad.json()["detail"]
    started = client.post("/api/labs/mixed-precision/runs",
                          json={"device": "cpu", "params": {"steps": 8, "warmup_steps": 2}})
    assert started.status_code == 202
    run_id = started.json()["id"]
    busy = client.post("/api/labs/lora/runs", json={"device": "cpu"})
    assert busy.status_code == 409
    deadline = time.monotonic() + 120
    while (state := client.get(f"/api/lab-runs/{run_id}").json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert state["status"] == "done" and state["result"]["lab"] == "mixed-precision"
    assert client.get("/api/labs/mixed-precision").json()["latest"]["run_id"] == run_id
    assert client.post(f"/api/lab-runs/{run_id}/cancel").status_code == 409
