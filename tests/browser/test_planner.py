"""The memory planner in Chromium: typing redraws the breakdown (HTMX, no reload) and the verdict, for the case
interviews ask most — full fine-tuning of Llama-2-7B with AdamW in bf16 on 8 × H100 80 GB at ZeRO-3 — with the
numbers worked by hand below; the same form without JavaScript; English; a phone."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.server import LiveServer

GIB = 2**30
PSI = 6_738_415_616  # Llama-2-7B's parameters (the model-math lab counts them on the meta device)
# By hand, per GPU, ZeRO-3 over N = 8 (Rajbhandari et al. 2020): bf16 weights 2Ψ/8, bf16 gradients 2Ψ/8, fp32 master
# + Adam m + v 12Ψ/8; ZeRO-3 gathers the largest module whole (the 32000 × 4096 embedding) in 16-bit with its
# gradient, DeepSpeed's 4 × largest layer; activations at s = 4096, b = 1, fused attention, no dropout, no
# checkpointing (Korthikanti et al. 2022 §4.1 with Llama's widths): per token per layer 2·(8h + 4i) + 4a =
# 2·(8·4096 + 4·11008) + 128 = 153,728 B, × 4096 tokens × 32 layers, plus the output layer 4sbh(1 + v/h) (§4.3);
# the allowance 2 GiB + 10% of the rest.
HAND = {
    "weights": 2 * PSI // 8,  # 1,684,603,904 B = 1.57 GiB
    "gradients": 2 * PSI // 8,  # 1,684,603,904 B = 1.57 GiB
    "optimizer_states": 12 * PSI // 8,  # 10,107,623,424 B = 9.41 GiB
    "zero3_gathered": 4 * 32000 * 4096,  # 524,288,000 B = 500 MiB
    "activations": 32 * 4096 * 153_728 + 4 * 4096 * (4096 + 32000),  # 20,740,833,280 B = 19.3 GiB
}
SUBTOTAL = sum(HAND.values())  # 34,741,952,512 B = 32.4 GiB
TOTAL = SUBTOTAL + 2 * GIB + SUBTOTAL / 10  # 40,363,631,411 B = 37.6 GiB of the H100's 80 GiB: fits, 42.4 GiB free


def _terms(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "[data-testid=planner-terms] tr[data-term]",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.term, Number(r.dataset.bytes)]))")


def test_llama_2_7b_adamw_bf16_on_8_h100_at_zero_3(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/planner?model=gpt2&zero=0&dp=1&gpu=rtx4090&mode=infer")
    page.evaluate("window.notReloaded = true")
    page.check("input[name=mode][value=train]")
    page.select_option("#planner-model", "llama-2-7b")
    page.select_option("#planner-method", "full")
    page.select_option("#planner-precision", "bf16-mixed")
    page.select_option("#planner-optimizer", "adamw")
    page.select_option("#planner-zero", "3")
    page.fill("#planner-dp", "8")
    page.fill("#planner-micro_batch", "1")
    page.fill("#planner-seq_len", "4096")
    page.select_option("#planner-checkpointing", "none")
    page.select_option("#planner-gpu", "h100-80")
    page.wait_for_selector(f"[data-testid=planner-result][data-total-bytes='{round(TOTAL)}']")
    assert page.evaluate("window.notReloaded") is True  # HTMX redrew the result; the page stayed
    terms = _terms(page)
    assert {key: terms[key] for key in HAND} == HAND
    assert terms["total"] == round(TOTAL) == 40_363_631_411
    verdict = page.locator("[data-testid=planner-verdict]").inner_text()
    assert verdict.startswith("放得下") and "37.6 GiB" in verdict and "42.4 GiB" in verdict
    assert page.locator("[data-testid=planner-fits] tr[data-gpu=h100-80] .verdict").inner_text() == "放得下"
    assert page.locator("[data-testid=planner-fits] tr[data-gpu=rtx4090] .verdict").inner_text() == "放不下"
    optimizer = page.locator("[data-testid=planner-terms] tr[data-term=optimizer_states] td.num .exact").first
    assert optimizer.inner_text() == "9.41 GiB"
    assert optimizer.get_attribute("title") == "10,107,623,424 bytes = 10.11 GB"
    # the address bar follows the form: this set-up is the planner's default, so its address is the bare page
    assert page.url == live_server.url + "/planner"
    assert page.locator("[data-testid=planner-terms] tr[data-term=activations] a[href='/labs/activation-memory']")
    screenshot(page, "planner-llama-2-7b-8xh100-zero3")


def test_the_form_works_without_javascript(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/planner")
        page.select_option("#planner-model", "llama-2-70b")
        page.select_option("#planner-zero", "0")
        page.get_by_role("button", name="计算").click()
        page.wait_for_url("**/planner?*model=llama-2-70b*")
        assert page.locator("[data-testid=planner-result]").get_attribute("data-fits") == "false"
        assert page.locator("[data-testid=planner-verdict]").inner_text().startswith("放不下")
    finally:
        context.close()


def test_english_on_a_phone(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/planner?mode=infer&model=llama-3-70b&tp=4&batch=16&context=8192&gpu=h100-80")
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("h1:has-text('Memory planner')")
    page.wait_for_load_state("load")  # the stylesheet, whose :has() rules hide the other task's fields
    assert page.locator("[data-testid=planner-terms] tr[data-term=kv_cache]").count() == 1
    assert not page.locator("fieldset.planner-train").is_visible()  # inference hides the training fields
    screenshot(page, "planner-english-390")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate("""[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 392)
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert overflow <= 1, wide
