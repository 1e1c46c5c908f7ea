"""A mock answer typed just before a reload survives it: the save sent on leaving is held in flight until after the
reloaded page has loaded (by a holding proxy: Chromium sends that save outside Playwright's routing), and the page
still shows the newer text, kept in localStorage, and sends it; when the held save finally lands it changes nothing,
and the next keystroke builds on the newest text."""

from __future__ import annotations

import json
import threading
import time

from tests.browser.holding_proxy import HoldingProxy
from tests.browser.test_mock import api, stored_answer, visible_question, wait_saved, wait_stored
from tests.server import LiveServer


def test_text_typed_just_before_a_reload_survives_it(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    created = api(live_server, "/api/mock-interviews", {"count": 1, "minutes": 5, "mix": {"open": 1}})
    holding = threading.Event()
    # Requests of the reloaded page carry a mark (an init script runs only in documents loaded from now on), so the
    # request held is the old page's save sent on leaving, whichever reaches the proxy first.
    proxy = HoldingProxy(live_server.port, lambda request: holding.is_set() and request.method == "PUT"
                         and "x-test-reloaded" not in {name.lower() for name in request.headers})
    try:
        page.goto(f"{proxy.url}/mock/{created['id']}")
        textarea = visible_question(page).locator("textarea")
        textarea.click()
        textarea.press_sequentially("第一稿", delay=10)
        wait_saved(page)
        assert stored_answer(live_server, created["id"])["answer"] == "第一稿"
        page.add_init_script("""(() => {
          const original = window.fetch;
          window.fetch = (url, options = {}) =>
            original(url, { ...options, headers: { ...(options.headers || {}), "X-Test-Reloaded": "1" } });
        })()""")
        holding.set()
        textarea.press_sequentially("，第二稿", delay=10)
        # At once, the round opened again (a plain reload would let Chromium restore the textarea from its own form
        # state and mask the loss; a forced reload, another browser or a new tab does not): the page's GET reaches
        # the server before the save sent on leaving.
        page.goto(f"{proxy.url}/mock/{created['id']}?q=1&again=1")
        deadline = time.monotonic() + 5
        while not proxy.held and time.monotonic() < deadline:
            page.wait_for_timeout(20)
        assert proxy.held, "the save sent on leaving was not seen"
        leaving = proxy.held[0]
        assert json.loads(leaving.body)["answer"] == "第一稿，第二稿"  # the newer text, still in flight

        reloaded = visible_question(page).locator("textarea")
        assert reloaded.input_value() == "第一稿，第二稿"  # from localStorage
        assert wait_stored(live_server, created["id"], "第一稿，第二稿")["answer"] == "第一稿，第二稿"  # and re-sent
        leaving.release.set()  # the held save lands last: older than what is stored, it changes nothing
        time.sleep(0.5)
        assert stored_answer(live_server, created["id"])["answer"] == "第一稿，第二稿"
        reloaded.press_sequentially("！", delay=10)
        wait_saved(page)
        assert stored_answer(live_server, created["id"])["answer"] == "第一稿，第二稿！"
        kept = page.evaluate(f"() => localStorage.getItem('preplab:mock:{created['id']}:1')")
        assert kept is None  # acknowledged: nothing is left in the browser
    finally:
        proxy.close()


def test_a_round_handed_in_leaves_nothing_in_local_storage(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    created = api(live_server, "/api/mock-interviews", {"count": 1, "minutes": 5, "mix": {"open": 1}})
    page.goto(f"{live_server.url}/mock/{created['id']}")
    page.route("**/answers/1", lambda route: route.abort())  # the server is unreachable for a moment
    textarea = visible_question(page).locator("textarea")
    textarea.click()
    textarea.press_sequentially("离线时写的", delay=10)
    key = f"preplab:mock:{created['id']}:1"
    deadline = time.monotonic() + 5
    while page.evaluate(f"() => localStorage.getItem('{key}')") is None and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert json.loads(page.evaluate(f"() => localStorage.getItem('{key}')"))["answer"] == "离线时写的"
    page.unroute("**/answers/1")
    page.reload()  # back online: the kept text is shown and sent
    assert wait_stored(live_server, created["id"], "离线时写的")["answer"] == "离线时写的"
    page.get_by_test_id("mock-finish").click()
    page.wait_for_url("**/report")
    assert page.evaluate(f"() => localStorage.getItem('{key}')") is None
