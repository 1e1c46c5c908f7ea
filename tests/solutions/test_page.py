"""The question page of a coding question shows the reference solution, its last output and the notice on the
document's original snippet; its JSON twin carries the same; other questions show none of it."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from app.content.importer import ImportReport
from app.study.solutions import reference_solution
from app.templating import templates
from solutions.registry import find
from tests.conftest import CONTENT, ImportInto
from tests.study.dom import Element, parse

BROKEN = "q-be91b9261a"  # text classification: the snippet raises (no weights offline)
RUNS = "q-984b7aa009"  # tensor sharding: the snippet runs, but does not shard
OPEN_QUESTION = "q-c862b037e2"  # an open question of the same bank


@pytest.fixture
def banks(import_into: ImportInto) -> ImportReport:
    return import_into(CONTENT / "banks" / "002-deepspeed-training-practice.md",
                       CONTENT / "banks" / "003-deepspeed-architecture.md")


def _record(question_id: str) -> dict:
    return json.loads(find(question_id).result_path.read_text(encoding="utf-8"))


def _page(client: TestClient, question_id: str) -> Element:
    response = client.get(f"/questions/{question_id}")
    assert response.status_code == 200
    return parse(response.text)


def test_coding_question_page_shows_the_solution_and_its_output(banks: ImportReport, client: TestClient) -> None:
    record = _record(BROKEN)
    answer = _page(client, BROKEN).find("details", cls="answer-section")
    section = answer.find("section", cls="reference-solution")
    assert section.attrs["data-module"] == "text_classification" and section.attrs["data-ok"] == "true"
    assert section.find("h3").text().strip() == "参考解答（可运行）"
    assert section.find("code", cls="solution-command").text() == "python -m solutions.text_classification"
    source = section.find("div", cls="solution-source")
    assert source.find_all("div", cls="highlight"), "the source is highlighted like other code"
    assert "class TextClassifier(nn.Module):" in source.text()
    assert "def main() -> None:" in source.text()
    assert section.find("pre", cls="solution-output").text().strip() == record["output"].strip()
    provenance = section.find("p", cls="solution-provenance").text()
    assert record["machine"] in provenance and f"torch {record['torch']}" in provenance
    assert record["ran_at"][:10] in provenance or record["ran_at"][:8] in provenance  # the date, in the learner's zone
    assert not section.find_all(data_notice="solution-stale")


def test_original_snippet_stays_visible_with_its_error(banks: ImportReport, client: TestClient) -> None:
    record = _record(BROKEN)
    answer = _page(client, BROKEN).find("details", cls="answer-section")
    assert "pooler_output_hidden_state" not in answer.find("section", cls="model-answer").find(
        "div", cls="answer-body").text()
    own = answer.find("details", cls="originals").find("article", cls="original-own")
    original_code = own.find("div", cls="alternate-body").text()
    assert "pooler_output_hidden_state" in original_code  # the document's snippet, unchanged
    notice = own.find("aside", data_notice="original-code")  # the notice sits with the snippet it is about
    assert notice.attrs["data-runs"] == "false" and notice.attrs["data-error-type"] == "OSError"
    assert notice.find("p", cls="callout-title").text().strip().endswith("原始代码无法运行")
    error = notice.find("pre", cls="original-error").text()
    assert error.startswith("OSError: ") and record["original"]["error_message"].splitlines()[0] in error
    defects = notice.find("ul", cls="original-defects").find_all("li")
    assert len(defects) == len(record["original"]["defects"])
    assert "pooler_output" in defects[0].text()


def test_snippet_that_runs_is_marked_as_missing_the_task(banks: ImportReport, client: TestClient) -> None:
    notice = _page(client, RUNS).find("aside", data_notice="original-code")
    assert notice.attrs["data-runs"] == "true" and notice.attrs["data-error-type"] == ""
    assert "没有完成题目要求" in notice.find("p", cls="callout-title").text()
    assert notice.find("pre", cls="original-output").text().count("torch.Size([250, 10])") == 4


def test_other_questions_have_no_solution(banks: ImportReport, client: TestClient) -> None:
    page = _page(client, OPEN_QUESTION)
    assert page.find("details", cls="answer-section")
    assert not page.find_all("section", cls="reference-solution")
    assert not page.find_all(data_notice="original-code")
    assert client.get(f"/api/questions/{OPEN_QUESTION}").json()["solution"] is None


def test_json_twin_carries_the_solution(banks: ImportReport, client: TestClient) -> None:
    record = _record(BROKEN)
    solution = client.get(f"/api/questions/{BROKEN}").json()["solution"]
    assert solution["module"] == "text_classification" and solution["ok"] is True and solution["stale"] is False
    assert solution["output"] == record["output"]
    assert solution["source"] == find(BROKEN).path.read_text(encoding="utf-8")
    assert solution["original"]["error_type"] == "OSError"
    assert solution["original"]["defects"] == record["original"]["defects"]


def _copy_solution(tmp_path: Path, question_id: str) -> Path:
    solution = find(question_id)
    (tmp_path / "results").mkdir()
    shutil.copy(solution.result_path, tmp_path / "results" / solution.result_path.name)
    shutil.copy(solution.path, tmp_path / solution.path.name)
    return tmp_path


def test_a_changed_source_marks_the_output_stale(tmp_path: Path) -> None:
    folder = _copy_solution(tmp_path, BROKEN)
    assert reference_solution(BROKEN, solutions_dir=folder).stale is False  # type: ignore[union-attr]
    source = folder / "text_classification.py"
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert reference_solution(BROKEN, solutions_dir=folder).stale is True  # type: ignore[union-attr]


def test_unreadable_or_foreign_records_show_nothing(tmp_path: Path) -> None:
    folder = _copy_solution(tmp_path, BROKEN)
    record_path = folder / "results" / f"{BROKEN}.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.write_text(json.dumps({**record, "module": "../../etc/passwd"}), encoding="utf-8")
    assert reference_solution(BROKEN, solutions_dir=folder) is None
    record_path.write_text("{not json", encoding="utf-8")
    assert reference_solution(BROKEN, solutions_dir=folder) is None
    assert reference_solution("../results/" + BROKEN, solutions_dir=folder) is None
    assert reference_solution("q-unknown", solutions_dir=folder) is None


def test_fragment_flags_a_stale_or_failed_run() -> None:
    solution = reference_solution(BROKEN)
    assert solution is not None
    html = templates.env.get_template("study/_solution.html").render(
        solution=replace(solution, stale=True, ok=False), lang="en", zone=ZoneInfo("UTC"))
    section = parse(html).find("section", cls="reference-solution")
    assert section.attrs["data-ok"] == "false"
    assert "python -m solutions run q-be91b9261a --write" in section.find(data_notice="solution-stale").text()
    assert section.find(data_notice="solution-failed")
    assert section.find("h3").text().strip() == "Reference solution (runnable)"
