"""Mock interviews in a real browser: a 3-question round set up from /mock, answers autosaved as they are typed,
a reload midway that keeps them, a short round that runs out on its own and lands on the report; two rounds in
two tabs that never mix; and saves that arrive out of order (one overtaken by the save sent on leaving, two tabs of
one round) never put older text over newer."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from typing import Any

from tests.browser.conftest import screenshot
from tests.csrf import page_headers
from tests.server import LiveServer

SAVED = re.compile(r"^已保存 \d\d:\d\d:\d\d$")


def api(server: LiveServer, path: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"Content-Type": "application/json", **page_headers(server.url)}
    request = urllib.request.Request(server.url + path, data=json.dumps(body).encode() if body else None,
                                     method="POST" if body else "GET", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def visible_question(page):  # type: ignore[no-untyped-def]
    return page.locator("form.mock-question:not([hidden])")


def wait_saved(page) -> str:  # type: ignore[no-untyped-def]
    state = page.get_by_test_id("mock-save-state")
    page.wait_for_function("() => document.querySelector('[data-save-state]').dataset.state === 'saved'",
                           timeout=5000)
    text = state.inner_text().strip()
    assert SAVED.match(text), text
    return text


def answer_current(page, text: str) -> str:  # type: ignore[no-untyped-def]
    """Answer the visible question (type for open, pick the first option for an MCQ); returns what was given."""
    question = visible_question(page)
    if question.get_attribute("data-kind") == "mcq":
        question.locator("label.mock-choice").first.click()
        given = question.locator("[data-choice]").first.get_attribute("value") or ""
    else:
        question.locator("textarea").click()
        question.locator("textarea").press_sequentially(text, delay=15)
        given = text
    wait_saved(page)
    return given


def test_a_short_round_from_setup_to_report(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/mock")
    form = page.get_by_test_id("mock-setup")
    form.locator("input[name=count]").fill("3")
    form.locator("input[name=minutes]").fill("0.25")  # 15 seconds
    form.locator("input[name=mix_mcq]").fill("1")
    form.locator("input[name=mix_open]").fill("2")
    page.get_by_test_id("mock-start").click()
    page.wait_for_url(re.compile(r"/mock/\d+(\?q=1)?$"))
    match = re.search(r"/mock/(\d+)", page.url)
    assert match
    interview = int(match[1])
    clock = page.get_by_test_id("mock-clock")
    assert re.fullmatch(r"0:1\d", clock.inner_text()), clock.inner_text()
    assert page.locator("form.mock-question").count() == 3 and visible_question(page).count() == 1

    given = {1: answer_current(page, "ZeRO 切分优化器状态")}
    page.get_by_test_id("mock-strip").locator("[data-goto='2']").click()
    assert visible_question(page).get_attribute("data-position") == "2" and page.url.endswith("?q=2")
    given[2] = answer_current(page, "第二题：梯度累积")
    assert page.locator(".mock-dot[data-answered=true]").count() == 2

    page.reload()  # midway: every saved answer comes back, on the question we were at
    assert visible_question(page).get_attribute("data-position") == "2"
    for position, value in given.items():
        form_at = page.locator(f"form.mock-question[data-position='{position}']")
        if form_at.get_attribute("data-kind") == "mcq":
            assert form_at.locator(f"[data-choice][value='{value}']").is_checked()
        else:
            assert form_at.locator("textarea").input_value() == value
    assert SAVED.match(page.get_by_test_id("mock-save-state").inner_text().strip())

    visible_question(page).get_by_test_id("mock-next").click()
    given[3] = answer_current(page, "第三题的回答")
    screenshot(page, "mock-round")

    # Nobody hands in: the server's deadline passes, the page hands in itself and shows the report.
    page.wait_for_url(re.compile(rf"/mock/{interview}/report$"), timeout=20_000)
    score = page.get_by_test_id("mock-score")
    assert score.get_attribute("data-total") == "3"
    # Two open answers wait for the learner's own grade: the headline says so instead of a premature score.
    assert score.get_attribute("data-pending") == "true" and "待自评" in score.inner_text()
    rows = page.locator("[data-testid=mock-rows] tbody tr")
    assert rows.count() == 3
    assert all(int(ms) > 0 for ms in rows.evaluate_all("rows => rows.map(r => r.dataset.timeMs)"))
    assert page.get_by_test_id("mock-by-topic").locator("tbody tr").count() >= 1
    written = page.get_by_test_id("mock-given").all_inner_texts()
    assert sorted(written) == sorted(v for v in given.values() if len(v) > 1)
    stored = api(live_server, f"/api/mock-interviews/{interview}")
    assert stored["status"] == "finished"
    assert {q["position"]: (q["saved"]["answer"] or ",".join(q["saved"]["choice"])) for q in stored["questions"]} \
        == given
    screenshot(page, "mock-report")
    assert page.dialogs == []


def test_two_rounds_in_two_tabs_never_mix(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    first = api(live_server, "/api/mock-interviews", {"count": 2, "minutes": 5, "mix": {"open": 2}})
    second = api(live_server, "/api/mock-interviews", {"count": 2, "minutes": 5, "mix": {"open": 2}})
    other = page.context.new_page()
    page.goto(f"{live_server.url}/mock/{first['id']}")
    other.goto(f"{live_server.url}/mock/{second['id']}")
    for tab, text in ((page, "第一场的回答"), (other, "第二场的回答"), (page, "，接着写第一场")):
        tab.bring_to_front()
        textarea = visible_question(tab).locator("textarea")
        textarea.click()
        textarea.press_sequentially(text, delay=10)
        wait_saved(tab)

    # Typed and gone at once: the keepalive save on leaving still lands.
    other.bring_to_front()
    other.locator("form.mock-question:not([hidden]) textarea").press_sequentially("，离开前", delay=5)
    other.goto(live_server.url + "/mock")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        answers = [q["saved"]["answer"] for q in api(live_server, f"/api/mock-interviews/{second['id']}")["questions"]]
        if answers[0].endswith("离开前"):
            break
        time.sleep(0.1)
    assert answers == ["第二场的回答，离开前", ""]
    assert [q["saved"]["answer"] for q in api(live_server, f"/api/mock-interviews/{first['id']}")["questions"]] \
        == ["第一场的回答，接着写第一场", ""]
    page.reload()
    assert visible_question(page).locator("textarea").input_value() == "第一场的回答，接着写第一场"
    other.close()


def test_typing_without_a_pause_is_saved_within_two_seconds(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    created = api(live_server, "/api/mock-interviews", {"count": 1, "minutes": 5, "mix": {"open": 1}})
    page.goto(f"{live_server.url}/mock/{created['id']}")
    textarea = visible_question(page).locator("textarea")
    textarea.click()
    typed = "数据并行每张卡保存完整的模型副本，梯度用全规约同步，显存是瓶颈"
    started = time.monotonic()
    textarea.press_sequentially(typed, delay=90)  # never pauses long enough for the debounce alone
    assert time.monotonic() - started > 2.5
    saved = api(live_server, f"/api/mock-interviews/{created['id']}")["questions"][0]["saved"]["answer"]
    assert saved and typed.startswith(saved), saved  # a save landed while the typing went on
    wait_saved(page)
    assert api(live_server, f"/api/mock-interviews/{created['id']}")["questions"][0]["saved"]["answer"] == typed


def stored_answer(server: LiveServer, interview: int) -> dict[str, Any]:
    saved: dict[str, Any] = api(server, f"/api/mock-interviews/{interview}")["questions"][0]["saved"]
    return saved


def wait_stored(server: LiveServer, interview: int, answer: str) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while (saved := stored_answer(server, interview))["answer"] != answer and time.monotonic() < deadline:
        time.sleep(0.05)
    return saved


def test_a_save_overtaken_by_the_one_sent_on_leaving_changes_nothing(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    created = api(live_server, "/api/mock-interviews", {"count": 1, "minutes": 5, "mix": {"open": 1}})
    held: list[Any] = []

    def hold_the_first_save(route) -> None:  # type: ignore[no-untyped-def]
        if not held and route.request.method == "PUT":
            held.append(route)  # sent and still in flight: the server has not seen it yet
        else:
            route.continue_()

    page.route(f"{live_server.url}/api/mock-interviews/{created['id']}/answers/1", hold_the_first_save)
    page.goto(f"{live_server.url}/mock/{created['id']}")
    textarea = visible_question(page).locator("textarea")
    textarea.click()
    textarea.press_sequentially("第一稿", delay=10)
    for _ in range(100):  # the debounced save goes out (and is held)
        if held:
            break
        page.wait_for_timeout(50)
    first = json.loads(held[0].request.post_data)
    assert first["answer"] == "第一稿" and first["revision"] == 1
    textarea.press_sequentially("，第二稿", delay=10)
    page.goto(live_server.url + "/mock")  # leaving: the keepalive save with the newer text overtakes the held one
    assert wait_stored(live_server, created["id"], "第一稿，第二稿")["revision"] > first["revision"]

    # The held save reaches the server last, byte for byte as the browser sent it: it is stale and changes nothing.
    late = urllib.request.Request(held[0].request.url, data=held[0].request.post_data_buffer, method="PUT",
                                  headers={"Content-Type": "application/json", **page_headers(live_server.url)})
    with urllib.request.urlopen(late, timeout=10) as response:
        answered = json.loads(response.read())
    assert answered["stale"] is True and answered["answer"] == "第一稿，第二稿"
    assert stored_answer(live_server, created["id"])["answer"] == "第一稿，第二稿"


def test_two_tabs_of_one_round_keep_the_newest_edit(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    created = api(live_server, "/api/mock-interviews", {"count": 1, "minutes": 5, "mix": {"open": 1}})
    other = page.context.new_page()
    for tab in (page, other):  # both open before anything is saved: both start from revision 0
        tab.goto(f"{live_server.url}/mock/{created['id']}")
    page.locator("textarea").press_sequentially("第一个标签页写的", delay=5)
    wait_saved(page)
    first = stored_answer(live_server, created["id"])
    assert first["answer"] == "第一个标签页写的" and first["revision"] >= 1
    # The other tab's first save is numbered from 0 too, so it is stale; what that tab shows was typed later, so it
    # goes again above the stored revision instead of being dropped unseen.
    other.bring_to_front()
    other.locator("textarea").press_sequentially("第二个标签页写的", delay=5)
    wait_saved(other)
    second = wait_stored(live_server, created["id"], "第二个标签页写的")
    assert second["answer"] == "第二个标签页写的" and second["revision"] > first["revision"]
    # The first tab only flags the question: it takes the stored text rather than writing its old one back.
    page.bring_to_front()
    page.locator("[data-flag]").check()
    wait_saved(page)
    saved = stored_answer(live_server, created["id"])
    assert (saved["answer"], saved["flagged"]) == ("第二个标签页写的", True) and saved["revision"] > second["revision"]
    assert page.locator("textarea").input_value() == "第二个标签页写的"
    other.close()


def test_a_long_trend_scrolls_inside_itself_on_a_phone(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    """Nine rounds handed in: the report's trend is wider than a phone, so it scrolls sideways by itself and the
    page stays as wide as the screen."""
    headers = {"Content-Type": "application/json", **page_headers(live_server.url)}
    for _ in range(9):
        created = api(live_server, "/api/mock-interviews", {"count": 1, "mix": {"mcq": 1}, "minutes": 5})
        finish = urllib.request.Request(f"{live_server.url}/api/mock-interviews/{created['id']}/finish", data=b"",
                                        method="POST", headers=headers)
        with urllib.request.urlopen(finish, timeout=10) as response:
            assert response.status == 200
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/mock/{created['id']}/report")
    trend = page.get_by_test_id("mock-trend")
    assert trend.locator("li").count() == 9
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert trend.evaluate("list => list.scrollWidth > list.clientWidth")  # the trend itself scrolls
    screenshot(page, "mock-trend-phone")

