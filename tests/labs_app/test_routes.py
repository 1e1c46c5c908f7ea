"""The lab pages and JSON twins through the app (TestClient over a migrated temporary database)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.labs import routes
from app.labs.catalog import load_catalog
from app.labs.labels import has_han
from app.labs.service import REFERENCE_DIR
from app.models import QuestionConcept
from tests.conftest import CONTENT
from tests.lab_runs import SHORT_LAB, SHORT_RUN
from tests.study.dom import Element, parse

CPU_RUNS = Path(__file__).resolve().parent.parent / "data" / "labs"


def _import_cpu_run(client: TestClient, lab: str) -> int:
    text = (CPU_RUNS / f"cpu-{lab}.json").read_text(encoding="utf-8")
    done = client.post("/labs/import", files={"file": (f"{lab}.json", text, "application/json")},
                       follow_redirects=False)
    assert done.status_code == 303
    return int(done.headers["location"].split("mine=")[1])


def _charts(element: Element) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(script.text()) for script in element.find_all("script", cls="lab-chart-data")]


def test_pages_show_reference_results(client: TestClient) -> None:
    page = client.get("/labs")
    assert page.status_code == 200 and "参考结果：在 NVIDIA H200 ×2 上测得" in page.text
    lab = parse(client.get("/labs/zero-memory").text)
    reference = lab.find("section", id="reference").find("article", cls="lab-result")
    assert reference.attrs["data-reference"] == "true" and reference.find_all("table", cls="lab-checks")
    chart = _charts(reference)[0]
    assert chart["kind"] == "bar" and chart["yUnit"] == "bytes"  # the lab's MB, drawn as bytes (ticks in GiB)
    assert chart["series"][0]["values"][0] == pytest.approx(17_181_966_336)
    assert reference.find("details", cls="lab-chart-table").find_all("td")  # the same numbers as a table
    assert client.get("/labs/nope").status_code == 404
    listing = client.get("/api/labs").json()
    assert {entry["id"] for entry in listing["labs"]} >= {"zero-memory", "mixed-precision", "lora"}
    latest = client.get("/api/labs/lora").json()
    assert latest["reference"]["reference"] is True and latest["mine"] is None and latest["latest"]["result"]["checks"]


def test_tables_and_checks_read_in_units_with_the_exact_value_on_hover(client: TestClient) -> None:
    lab = parse(client.get("/labs/mixed-precision").text)
    table = lab.find("section", id="reference").find("table", cls="lab-table")
    headers = [th.text().strip() for th in table.find_all("th")]
    assert headers[:4] == ["精度模式", "步时", "吞吐 (tok/s)", "峰值显存"]  # labels, not step_ms / peak_mem_bytes
    first = [td.text() for td in table.find("tbody").find("tr").find_all("td")]
    assert first[1] == "277 ms" and first[3] == "18.7 GiB"
    exact = table.find("span", cls="exact", title="20,086,071,808 bytes = 20.09 GB")
    assert exact.text() == "18.7 GiB"
    checks = lab.find("table", cls="lab-checks")
    assert "0.3984" not in checks.text() and "39.8%" in checks.text()


def test_a_learner_run_is_shown_beside_the_reference_never_instead(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    run_id = _import_cpu_run(client, "mixed-precision")
    lab = parse(client.get("/labs/mixed-precision").text)
    reference = lab.find("section", id="reference").find("article", cls="lab-result")
    assert reference.attrs["data-reference"] == "true"  # still the H100 result, with its hardware
    assert "NVIDIA H100" in reference.find("p", cls="lab-provenance").text()
    compare = lab.find("section", id="compare").find("div", cls="lab-compare")
    assert compare.attrs["data-mine"] == str(run_id)
    heads = [th.text() for th in compare.find("table", cls="lab-compare-table").find("thead").find_all("th")]
    assert heads[0] == "指标" and "NVIDIA H100" in heads[1] and "参考" in heads[1] and "你的运行" in heads[2]
    api = client.get("/api/labs/mixed-precision").json()
    assert api["reference"]["reference"] is True and api["mine"]["run_id"] == run_id
    # concept and question pages: the reference first, then the learner's run
    from app.content.service import import_paths

    import_paths(client.app.state.engine, [CONTENT], settings=settings)  # type: ignore[attr-defined]
    concept = parse(client.get("/concepts/mixed-precision").text)
    entry = concept.find("div", cls="lab-entry", data_lab="mixed-precision")
    shown = [article.attrs["data-reference"] for article in entry.find_all("article", cls="lab-result")]
    assert shown == ["true", "false"]


def test_concept_page_renders_lab_results(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    from app.content.service import import_paths

    import_paths(client.app.state.engine, [CONTENT], settings=settings)  # type: ignore[attr-defined]
    page = parse(client.get("/concepts/zero").text)
    section = page.find("section", id="lab-results")
    assert section.find("article", cls="lab-result", data_lab="zero-memory") and _charts(section)
    assert not section.find_all("p", cls="placeholder")
    assert any(script.attrs.get("src", "").endswith("/static/js/labs.js") for script in page.find_all("script"))


def test_question_page_lists_the_checks_in_its_side_column(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    from app.content.service import import_paths

    import_paths(client.app.state.engine, [CONTENT], settings=settings)  # type: ignore[attr-defined]
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        question = session.exec(select(QuestionConcept.question_id).where(QuestionConcept.concept_id == "zero")).first()
    dom = parse(client.get(f"/questions/{question}").text)
    result = dom.find("article", cls="lab-result", data_lab="zero-memory")
    assert "compact" in result.classes and not result.find_all("table")  # a list fits the narrow column
    checks = result.find("section", cls="lab-checks-compact").find_all("li")
    reference = json.loads(next(REFERENCE_DIR.glob("zero-memory_*.json")).read_text(encoding="utf-8"))
    assert len(checks) == len(reference["checks"]) and all("pass" in li.classes for li in checks)
    assert "GiB" in checks[0].text()


def test_english_lab_pages_have_no_chinese(client: TestClient) -> None:
    for lab in ("zero-memory", "mixed-precision", "lora"):
        _import_cpu_run(client, lab)
    client.post("/settings/language", data={"language": "en"})
    for lab in load_catalog().specs:
        main = parse(client.get(f"/labs/{lab}").text).find("main")
        left = [line.strip() for line in main.text().splitlines() if has_han(line)]
        assert left == [], f"/labs/{lab}: {left[:5]}"
    assert not has_han(parse(client.get("/labs").text).find("main").text())


def test_the_run_form_labels_every_parameter(client: TestClient) -> None:
    spec = load_catalog().specs["mixed-precision"]
    form = parse(client.get("/labs/mixed-precision").text).find("form", cls="lab-form")
    for param in spec.params:
        field = form.find(id=f"param-{param.name}")
        label = form.find("label", **{"for": f"param-{param.name}"})
        assert param.help_zh in label.text()
        hint = form.find(id=f"param-{param.name}-hint").text()
        assert param.name in hint and "默认" in hint
        if param.minimum is not None and param.maximum is not None:
            assert field.attrs["min"] and field.attrs["max"] and "到" in hint
    assert form.find("label", **{"for": "param-seq_len"}).find("span", cls="unit").text() == "(个 token)"
    presets = {chip.attrs["href"]: json.loads(chip.attrs["data-preset"]) for chip in form.find_all("a", cls="chip")}
    assert presets["?preset=cpu#run"] == spec.cpu_size and "?preset=quick#run" in presets
    filled = parse(client.get("/labs/mixed-precision?preset=quick").text).find(id="param-steps")
    assert filled.attrs["value"] == "8"  # without JavaScript, the preset fills the form on the server


def test_the_calculator_redraws_from_the_labs_formula(client: TestClient) -> None:
    page = parse(client.get("/labs/zero-memory").text).find("section", id="calculator")
    form = page.find("form", cls="lab-calc-form")
    assert form.attrs["hx-get"] == "/labs/zero-memory/calculator" and "input" in form.attrs["hx-trigger"]
    fragment = client.get("/labs/zero-memory/calculator?calc_params_b=70&calc_gpus=512&gpu_gib=80",
                          headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    rows = parse(fragment.text).find("table", cls="lab-calc-table").find("tbody").find_all("tr")
    assert [row.find_all("td")[0].text() for row in rows] == ["ZeRO-0", "ZeRO-1", "ZeRO-2", "ZeRO-3"]
    assert "1.02 TiB" in rows[0].text() and "too-big" in rows[0].classes  # 16 × 70e9 bytes
    assert _charts(parse(fragment.text))[0]["xLog"] == 2
    data = client.get("/api/labs/zero-memory/calculator?calc_params_b=7.5&calc_gpus=64").json()
    assert [round(row["per_gpu_bytes"] / 1e9, 1) for row in data["rows"]] == [120.0, 31.4, 16.6, 1.9]  # the paper's
    assert client.get("/api/labs/zero-memory/calculator?calc_gpus=0").status_code == 422
    plain = client.get("/labs/zero-memory/calculator?calc_params_b=70", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/labs/zero-memory?calc_params_b=70")
    assert 'value="70"' in client.get("/labs/zero-memory?calc_params_b=70").text


def test_without_torch_the_page_gives_the_install_command(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "load_catalog", lambda: replace(load_catalog(), torch=False, cuda=False))
    page = parse(client.get("/labs/lora").text)
    install = page.find("div", cls="lab-install")
    assert install.find("code", id="install-command").text() == "make labs"
    assert install.find("button", data_copy="install-command")
    assert not page.find_all("form", cls="lab-form")
    assert page.find("section", id="reference").find_all("article")  # results stay readable


def test_with_torch_the_page_says_which_device_a_run_would_use(client: TestClient,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    machine = parse(client.get("/labs/lora").text).find("div", cls="lab-machine")
    assert "CPU" in machine.find("li", data_device="cpu").text()
    one_gpu = replace(load_catalog(), cuda=True, gpu_names=("NVIDIA H200",))
    monkeypatch.setattr(routes, "load_catalog", lambda: one_gpu)
    page = parse(client.get("/labs/zero-memory").text)
    assert "NVIDIA H200 ×1" in page.find("li", data_device="cuda").text()
    assert "N=1" in page.find("p", data_testid="one-gpu").text()
    assert not parse(client.get("/labs/lora").text).find_all("p", data_testid="one-gpu")  # not a distributed lab


def test_upload_import_and_errors(client: TestClient) -> None:
    text = (REFERENCE_DIR / "lora_1xH200_20261123.json").read_text()
    bad = json.loads(text)
    bad["tables"][0]["rows"][0] = [1]
    refused = client.post("/labs/import", files={"file": ("bad.json", json.dumps(bad), "application/json")})
    assert refused.status_code == 422 and "tables.0" in refused.text
    done = client.post("/labs/import", files={"file": ("lora.json", text, "application/json")},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/labs/lora?mine=")
    state = client.get("/api/labs/lora").json()
    assert state["mine"]["reference"] is False and state["reference"]["reference"] is True


def test_api_run_lifecycle(client: TestClient) -> None:
    bad = client.post("/api/labs/lora/runs", json={"device": "cpu", "params": {"steps": 0}})
    assert bad.status_code == 422 and "steps" in bad.json()["detail"]
    started = client.post(f"/api/labs/{SHORT_LAB}/runs", json={"device": "cpu", "params": SHORT_RUN})
    assert started.status_code == 202
    run_id = started.json()["id"]
    queued = client.post("/api/labs/lora/runs", json={"device": "cpu"})  # the device is busy: it waits its turn
    assert queued.status_code == 202 and queued.json()["status"] == "queued" and queued.json()["queue_position"] == 1
    waiting = parse(client.get(f"/labs/runs/{queued.json()['id']}", headers={"HX-Request": "true"}).text)
    assert waiting.find("p", data_testid="queue-position").attrs["data-position"] == "1"
    cancelled = client.post(f"/api/lab-runs/{queued.json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    deadline = time.monotonic() + 120
    while (state := client.get(f"/api/lab-runs/{run_id}").json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert state["status"] == "done" and state["result"]["lab"] == SHORT_LAB
    lab = client.get(f"/api/labs/{SHORT_LAB}").json()
    assert lab["mine"]["run_id"] == run_id and lab["reference"]["reference"] is True
    assert client.post(f"/api/lab-runs/{run_id}/cancel").status_code == 409
    done = parse(client.get(f"/labs/runs/{run_id}", headers={"HX-Request": "true"}).text)
    assert done.find("section", id="lab-run").attrs["data-status"] == "done"
    assert done.find("div", cls="lab-compare").find("table", cls="lab-compare-table")
