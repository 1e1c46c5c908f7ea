"""Labs in a real browser: reference results on a concept page, and a CPU lab run started from its page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.lab_runs import SHORT_LAB, SHORT_RUN
from tests.server import LiveServer


@pytest.mark.presentation
def test_concept_page_shows_the_reference_lab_result(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/concepts/zero")
    section = page.locator("#lab-results")
    result = section.locator('.lab-result[data-lab="zero-memory"]')
    assert result.count() == 1
    assert "参考结果：在 NVIDIA H200 ×2 上测得" in result.locator(".lab-provenance").inner_text()
    assert result.locator("table.lab-table").count() >= 1
    result.locator("figure.lab-chart.drawn canvas").first.wait_for()  # drawn by uPlot once the module has loaded
    assert result.locator("table.lab-checks tbody tr").count() >= 1
    assert section.locator(".placeholder").count() == 0
    screenshot(page, "labs-concept-zero")


def test_start_a_cpu_run_and_see_its_result(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/labs/{SHORT_LAB}")
    for name, value in SHORT_RUN.items():
        page.fill(f'input[name="{name}"]', value)
    page.click('[data-testid="lab-start"]')
    run = page.locator("#lab-run")
    run.wait_for()
    page.wait_for_selector('#lab-run[data-status="done"]', timeout=90_000)
    result = run.locator(".lab-result")
    assert result.get_attribute("data-reference") == "false"
    assert "你的运行" in result.locator(".lab-provenance").text_content()  # in the folded "your run in full"
    assert result.locator("table.lab-checks tbody tr").count() >= 1
    assert result.locator("figure.lab-chart script.lab-chart-data").count() > 0
    assert page.dialogs == []
    screenshot(page, "labs-run-done")
