"""Lab pages people read, in a real browser: the reference beside a CPU run, bytes in GiB, uPlot charts with tooltips
in units, the calculator redrawing as the learner types, and an English page without Chinese."""

from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS, screenshot
from tests.server import LiveServer

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _english(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/labs")
    page.click('[data-testid="lang-switch"]')
    page.wait_for_selector('html[lang="en"]')  # (wait_for_function would need eval, which the CSP forbids)


def test_after_a_cpu_run_the_reference_and_the_run_sit_side_by_side(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/labs/mixed-precision")
    page.click('.lab-presets a[href="?preset=quick#run"]')  # fills steps and warm-up without a reload
    assert page.input_value('input[name="steps"]') == "8" and page.input_value('input[name="warmup_steps"]') == "2"
    page.click('[data-testid="lab-start"]')
    page.wait_for_selector('#lab-run[data-status="done"]', timeout=120_000)
    reference = page.locator('#reference .lab-result[data-reference="true"]')
    assert reference.count() == 1 and reference.is_visible()
    assert "NVIDIA H100" in reference.locator(".lab-provenance").inner_text()
    compare = page.locator("#lab-run .lab-compare-table")
    heads = compare.locator("thead th").all_inner_texts()
    assert "参考" in heads[1] and "NVIDIA H100" in heads[1] and "你的运行" in heads[2] and "NVIDIA" not in heads[2]
    step = compare.locator("tr", has_text="fp32 · 步时").locator("td")
    assert step.nth(0).inner_text().endswith("ms") and step.nth(1).inner_text().endswith("ms")
    # the reference's charts are drawn by uPlot; its data stay in a table
    page.locator("#reference figure.lab-chart.drawn canvas").first.wait_for()
    assert page.dialogs == []
    screenshot(page, "lab-pages-reference-beside-cpu-run")
    page.reload()  # and after a reload: the reference first, the run in the comparison
    assert page.locator('#reference .lab-result[data-reference="true"]').count() == 1
    assert page.locator('#compare .lab-compare[data-mine]').count() == 1


def test_bytes_read_in_gib_with_the_exact_count_on_hover(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/labs/zero-memory")
    table = page.locator("#reference table.lab-table").first
    cell = table.locator("tbody tr").first.locator("td").nth(2)
    assert cell.inner_text() == "2.00 GiB"
    assert cell.locator("span.exact").get_attribute("title") == "2,147,745,792 bytes = 2.148 GB"
    checks = page.locator("#reference table.lab-checks tbody tr").first.locator("td")
    assert checks.nth(1).inner_text() == "16.0 GiB" and checks.nth(2).inner_text() == "16.0 GiB"
    canvas = page.locator("#reference figure.lab-chart .lab-chart-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.4)
    tooltip = page.locator("#reference .lab-tooltip").first
    tooltip.wait_for(state="visible")
    assert "ZeRO-0" in tooltip.inner_text() and "GiB" in tooltip.inner_text()
    screenshot(page, "lab-pages-zero-memory-gib")


def test_the_calculator_redraws_as_the_learner_types(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/labs/zero-memory#calculator")
    first = page.locator("#lab-calc-out table tbody tr").first
    assert "112 GiB" in first.inner_text()  # 16 × 7.5e9 bytes
    page.fill("#calc-calc_params_b", "70")
    page.wait_for_selector("#lab-calc-out table tbody tr:first-child td:has-text('1.02 TiB')")
    page.locator("#lab-calc-out figure.lab-chart.drawn canvas").first.wait_for()
    assert page.url.endswith("#calculator")  # no reload: HTMX swapped the output only
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#calculator").screenshot(path=str(ARTIFACTS / "lab-pages-calculator.png"))


def test_an_english_lab_page_has_no_chinese_in_its_checks(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    _english(page, live_server)
    for lab in ("zero-memory", "mixed-precision", "lora"):
        page.goto(live_server.url + f"/labs/{lab}")
        checks = page.locator("#reference table.lab-checks").inner_text()
        assert checks and not HAN.search(checks), checks
        assert not HAN.search(page.locator("main").inner_text())
    screenshot(page, "lab-pages-lora-english")


def test_a_lab_page_on_a_phone(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/labs/mixed-precision")
        page.locator("#reference figure.lab-chart.drawn").first.wait_for()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1  # wide tables scroll inside their own box, the page does not
        screenshot(page, "lab-pages-mixed-precision-390")
    finally:
        context.close()
