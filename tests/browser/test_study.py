"""Study pages in a real browser: math typeset by KaTeX, highlighted code, the answer reveal, HTMX filters,
note and bookmark, the dashboard, and a phone-width layout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from app.content.service import import_paths
from app.db import make_engine
from app.models import ReviewCard, ReviewLog
from app.settings import Settings
from app.users import ensure_local_user
from tests.backends import copy_database, database_url
from tests.browser.conftest import screenshot
from tests.server import CONTENT, LiveServer

# No question in content/ has a formula yet, so the test imports this small bank beside the real ones.
MATH_BANK = r"""---
preplab: 1
bank: study-browser-test
title: 公式与代码（浏览器测试）
description: 行内公式、独立公式和代码块。
---

## ZeRO-2 每卡的模型状态显存是多少？

```yaml
id: q-study-math
kind: open
difficulty: 5
topic: 分布式训练与系统架构
concepts: [zero]
sources:
  - 000_19bd2eb347514dbd.txt:120
```

### 题目

参数量为 $\Psi$、数据并行度为 $N$ 时，ZeRO-2 每卡的模型状态占多少字节？

### 答案

$$2\Psi + \frac{14\Psi}{N}$$

按这个公式计算：

```python
def zero2_bytes(params: int, gpus: int) -> float:
    return 2 * params + 14 * params / gpus
```

### 要点

- 优化器状态和梯度按 $N$ 切分，参数不切分
"""
DISTRIBUTED = "分布式训练与系统架构"
PHONE = {"width": 390, "height": 844}
# Elements that stick out of the viewport and are not inside a horizontal scroller (for the failure message).
WIDER_THAN_VIEWPORT = """() => [...document.body.querySelectorAll('*')].filter(e => {
  if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return false;
  return true;
}).slice(0, 8).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def _seed_reviews(database: Path) -> None:
    """Some weeks of grades and a few cards for the local user, so the dashboard has something to draw."""
    engine = make_engine(database_url(database))
    with Session(engine) as session:
        user_id = ensure_local_user(session=session, name="local").id
        assert user_id is not None
        now = datetime.now(UTC)
        for days_ago in range(0, 120, 2):
            for n in range(days_ago % 7 + 1):
                session.add(ReviewLog(user_id=user_id, question_id="q-study-math", rating=1 + (n + days_ago) % 4,
                                      reviewed_at=now - timedelta(days=days_ago, minutes=n),
                                      card_before={"state": 2}, scheduled=True))
        session.add(ReviewCard(user_id=user_id, question_id="q-study-math", state=2, stability=30.0, difficulty=5.0,
                               due=now + timedelta(days=20), last_review=now, reps=60))
        session.commit()
    engine.dispose()


@pytest.fixture
def study_server(tmp_path: Path, template_database: Path) -> Iterator[LiveServer]:
    database = tmp_path / "study.db"
    copy_database(template_database, database)
    bank = tmp_path / "banks" / "study-browser-test.md"
    bank.parent.mkdir()
    bank.write_text(MATH_BANK, encoding="utf-8")
    engine = make_engine(database_url(database))
    import_paths(engine, [bank], settings=Settings(content_dir=CONTENT))
    engine.dispose()
    _seed_reviews(database)
    server = LiveServer(database=database).start()
    yield server
    server.stop()


@pytest.mark.presentation
def test_question_page_typesets_math_and_highlights_code(study_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(study_server.url + "/questions/q-study-math")
    page.wait_for_selector(".prompt .katex")
    assert page.locator(".prompt .katex").count() == 2
    assert page.locator("details.answer-section").get_attribute("open") is None
    page.click("details.answer-section > summary")
    assert page.locator("details.answer-section").get_attribute("open") is not None
    assert page.locator(".answer-body .katex-display, .answer-body .katex").count() >= 1
    code = page.locator(".answer-body pre code")
    assert code.count() == 1 and "zero2_bytes" in code.inner_text()
    assert page.locator(".answer-body pre code span.k").first.inner_text() == "def"  # Pygments token classes
    assert page.locator(".card-state").get_attribute("data-state") == "review"
    screenshot(page, "question")


@pytest.mark.presentation
def test_answer_reveal_marks_the_correct_option_only_when_open(study_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(study_server.url + f"/topics/{DISTRIBUTED}?kind=mcq")
    page.locator(".question-item a").first.click()
    page.wait_for_load_state()
    correct = page.locator(".choice.correct").first
    closed_border = correct.evaluate("e => getComputedStyle(e).borderColor")
    page.locator("details.answer-section > summary").focus()
    page.keyboard.press("Enter")  # the reveal works from the keyboard
    assert page.locator("details.answer-section").get_attribute("open") is not None
    assert correct.evaluate("e => getComputedStyle(e).borderColor") != closed_border
    assert page.locator(".correct-choice strong").inner_text() == correct.get_attribute("data-label")


@pytest.mark.presentation
def test_topic_filter_swaps_the_list_and_updates_the_address(study_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(study_server.url + f"/topics/{DISTRIBUTED}")
    total = page.locator("#question-list .question-item").count()
    page.evaluate("window.__notReloaded = true")
    page.select_option("select[name=kind]", "mcq")
    page.wait_for_url("**kind=mcq**")
    page.wait_for_function("document.querySelectorAll('#question-list [data-kind=open]').length === 0")
    kinds = page.locator("#question-list .question-item .kind").all_inner_texts()
    assert kinds and set(kinds) == {"选择题"} and len(kinds) < total
    assert page.evaluate("window.__notReloaded") is True  # swapped by HTMX, not a page load
    assert page.dialogs == []


def test_note_and_bookmark_save_in_place(study_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(study_server.url + "/questions/q-study-math")
    page.click("#bookmark-toggle")
    page.wait_for_selector("#bookmark-toggle[aria-pressed=true]")
    page.fill("#note-body", "ZeRO-2：参数不切分。")
    page.click("#note-save")
    page.wait_for_selector(".note-status:has-text('已保存')")
    page.reload()
    assert page.locator("#note-body").input_value() == "ZeRO-2：参数不切分。"
    assert page.locator("#bookmark-toggle").get_attribute("aria-pressed") == "true"
    page.goto(study_server.url + "/bookmarks")
    assert page.locator("[data-question-id=q-study-math]").count() == 1


@pytest.mark.presentation
def test_dashboard_draws_the_year_mastery_and_banks(study_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(study_server.url + "/")
    assert page.locator(".heatmap .day").count() == 53 * 7
    assert page.locator(".heatmap .day.level-4").count() >= 1
    today = page.locator(".heatmap .day[data-date]").last
    assert int(today.get_attribute("data-count") or 0) >= 1
    assert today.get_attribute("title", timeout=1000).startswith(today.get_attribute("data-date") or "?")
    assert int(page.locator("[data-stat=streak] dd").inner_text().split()[0]) >= 1
    assert page.locator(".mastery-row").count() == 8
    assert page.locator(f".mastery-row[data-topic='{DISTRIBUTED}'] .segment-mastered").count() == 1
    assert page.locator("[data-bank-id]").count() >= 6
    screenshot(page, "dashboard")


@pytest.mark.presentation
def test_pages_fit_a_phone(study_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True)
    phone = context.new_page()
    try:
        for path in ["/", "/topics", f"/topics/{DISTRIBUTED}", "/questions/q-study-math?reveal=1", "/concepts/zero"]:
            response = phone.goto(study_server.url + path)
            assert response is not None and response.ok, path
            phone.wait_for_load_state("networkidle")
            width = phone.evaluate("document.documentElement.scrollWidth")
            wide = phone.evaluate(WIDER_THAN_VIEWPORT) if width > PHONE["width"] else []
            assert width <= PHONE["width"], f"{path} ({phone.title()!r}) is {width}px wide: {wide}"
        phone.goto(study_server.url + "/questions/q-study-math?reveal=1")
        phone.wait_for_selector(".answer-body .katex")
        screenshot(phone, "question-phone")
        phone.goto(study_server.url + "/")
        # The year scrolls sideways inside its own box, starting at the latest weeks.
        latest = phone.locator(".heatmap .day[data-date]").last.bounding_box()
        assert latest is not None and latest["x"] + latest["width"] <= PHONE["width"]
        screenshot(phone, "dashboard-phone")
    finally:
        context.close()
