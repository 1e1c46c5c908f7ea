"""A learner deletes their own runs and imports (after a confirmation); reference results cannot be deleted, only
hidden for everyone and shown again, through the lab page's forms and the JSON twins."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.labs.service import REFERENCE_DIR
from tests.study.dom import parse

LORA = REFERENCE_DIR / "lora_1xH200_20261123.json"


def _import(client: TestClient) -> int:
    done = client.post("/labs/import", files={"file": ("lora.json", LORA.read_bytes(), "application/json")},
                       follow_redirects=False)
    assert done.status_code == 303
    return int(done.headers["location"].split("mine=")[1])


def _reference_id(client: TestClient) -> int:
    return int(client.get("/api/labs/lora").json()["reference"]["run_id"])


def test_the_lab_page_deletes_a_run_after_asking(client: TestClient) -> None:
    run_id = _import(client)
    page = parse(client.get(f"/labs/lora?mine={run_id}").text)
    fold = page.find("section", id="compare").find("details", cls="lab-delete")
    form = fold.find("form")
    assert form.attrs["method"] == "post" and form.attrs["action"] == f"/labs/runs/{run_id}/delete"
    assert form.find("input", name="csrftoken").attrs["value"] and form.find("input", name="confirm")
    unconfirmed = client.post(f"/labs/runs/{run_id}/delete", follow_redirects=False)
    assert unconfirmed.status_code == 303 and unconfirmed.headers["location"] == f"/labs/runs/{run_id}/delete"
    asked = parse(client.get(f"/labs/runs/{run_id}/delete").text).find("div", data_testid="lab-delete-confirm")
    assert f"#{run_id}" in asked.text() and asked.find("input", name="confirm").attrs["value"] == "1"
    assert client.get("/api/labs/lora").json()["mine"]["run_id"] == run_id  # still there: nothing confirmed yet
    deleted = client.post(f"/labs/runs/{run_id}/delete", data={"confirm": "1"}, follow_redirects=False)
    assert deleted.status_code == 303 and deleted.headers["location"] == f"/labs/lora?deleted={run_id}#compare"
    after = parse(client.get(deleted.headers["location"]).text)
    assert f"#{run_id}" in after.find("p", data_testid="lab-deleted").text()
    assert after.find("p", data_testid="no-own-run") and not after.find_all("details", cls="lab-delete")
    assert client.get("/api/labs/lora").json()["mine"] is None
    assert client.get(f"/api/lab-runs/{run_id}").status_code == 404
    assert client.post(f"/labs/runs/{run_id}/delete", data={"confirm": "1"}).status_code == 404


def test_the_json_twin_deletes_and_refuses_what_it_must_not(client: TestClient) -> None:
    run_id = _import(client)
    reference = _reference_id(client)
    refused = client.delete(f"/api/lab-runs/{reference}")
    assert refused.status_code == 409 and "/api/lab-runs/" in refused.json()["detail"]  # it says how to hide it
    assert client.get("/api/labs/lora").json()["reference"]["run_id"] == reference
    assert client.delete(f"/api/lab-runs/{run_id}").json() == {"deleted": run_id, "lab": "lora"}
    assert client.delete(f"/api/lab-runs/{run_id}").status_code == 404
    assert client.delete(f"/api/lab-runs/{2**63}").status_code == 422  # RowId: past SQLite's INTEGER
    assert client.get(f"/labs/runs/{2**63}").status_code == 422


def test_a_run_still_going_is_not_deleted(client: TestClient) -> None:
    started = client.post("/api/labs/mixed-precision/runs",
                          json={"device": "cpu", "params": {"steps": "10000", "warmup_steps": "2"}})
    run_id = started.json()["id"]
    try:
        refused = client.delete(f"/api/lab-runs/{run_id}")
        assert refused.status_code == 409 and "先取消它" in refused.json()["detail"]
    finally:
        assert client.post(f"/api/lab-runs/{run_id}/cancel").status_code == 200
    assert client.delete(f"/api/lab-runs/{run_id}").status_code == 200  # once it has ended


def test_a_reference_result_is_hidden_everywhere_and_shown_again(client: TestClient) -> None:
    reference = _reference_id(client)
    page = parse(client.get("/labs/lora").text).find("section", id="reference")
    hide = page.find("form", cls="lab-hide")
    assert hide.attrs["action"] == f"/labs/runs/{reference}/hide" and hide.find("input", name="csrftoken")
    hidden = client.post(f"/labs/runs/{reference}/hide", follow_redirects=False)
    assert hidden.status_code == 303
    after = parse(client.get("/labs/lora").text).find("section", id="reference")
    shown = [article.attrs["data-run-id"] for article in after.find_all("article", cls="lab-result")]
    assert str(reference) not in shown  # the H100 result, measured earlier, is the reference now
    listed = after.find("div", data_testid="lab-hidden").find("form")
    assert listed.attrs["action"] == f"/labs/runs/{reference}/unhide"
    assert client.get("/api/labs/lora").json()["reference"]["run_id"] != reference
    assert client.get(f"/api/lab-runs/{reference}").json()["hidden"] is True
    assert f'data-run-id="{reference}"' not in client.get("/labs").text
    other = client.get("/api/labs/lora").json()["reference"]["run_id"]
    assert client.put(f"/api/lab-runs/{other}/hidden").json() == {"run_id": other, "lab": "lora", "hidden": True}
    none_left = parse(client.get("/labs/lora").text).find("section", id="reference")
    assert not none_left.find_all("article") and "都已隐藏" in none_left.find("p", cls="placeholder").text()
    assert client.get("/api/labs/lora").json()["reference"] is None
    assert client.post(f"/labs/runs/{reference}/unhide", follow_redirects=False).status_code == 303
    assert client.delete(f"/api/lab-runs/{other}/hidden").json()["hidden"] is False
    assert client.get("/api/labs/lora").json()["reference"]["run_id"] == reference  # the newest measured again


def test_a_run_of_the_learners_is_deleted_not_hidden(client: TestClient) -> None:
    run_id = _import(client)
    refused = client.put(f"/api/lab-runs/{run_id}/hidden")
    assert refused.status_code == 409 and "可以删除" in refused.json()["detail"]
    assert client.post(f"/labs/runs/{run_id}/hide").status_code == 409
    assert client.put("/api/lab-runs/999999/hidden").status_code == 404
