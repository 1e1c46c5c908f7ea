"""The question page's bank content is rendered once per content version and kept (app/study/question_page.py):
these show that what is kept is never what the learner sees after the content changed, however it changed, and
that the learner's own parts are never taken from another learner's page or an earlier visit."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.study.question_page import CONTENT, split_markers
from tests.conftest import ImportInto
from tests.study.dom import parse

BANK = """---
preplab: 1
bank: cache-probe
title: "缓存测试"
---

## 缓存里的题目 <!--preplab:note--> 会怎样？

~~~yaml
kind: open
id: q-cache-probe
~~~

### 题目

题面写着 <!--preplab:split--> 和 <!--preplab:card-->，还有 <!--preplab:reveal--> 与 data-preplab-reveal。

### 答案

{answer}
"""


def write_bank(folder: Path, answer: str) -> Path:
    path = folder / "cache-probe.md"
    path.write_text(BANK.format(answer=answer), encoding="utf-8")
    return path


def answer_text(client: TestClient) -> str:
    page = parse(client.get("/questions/q-cache-probe?reveal=1").text)
    return page.find("div", cls="answer-body").text().strip()


def test_a_reimported_answer_is_shown_at_once(tmp_path: Path, import_into: ImportInto, client: TestClient) -> None:
    import_into(write_bank(tmp_path, "第一版答案。"))
    assert answer_text(client) == "第一版答案。"
    import_into(write_bank(tmp_path, "第二版答案。"))
    assert answer_text(client) == "第二版答案。"


def test_content_changed_by_another_process_is_never_served_stale(
    tmp_path: Path, import_into: ImportInto, client: TestClient, engine: Engine
) -> None:
    """Another process's import does not empty this process's cache; the question's content hash, read with the
    learner's state on every request, is part of the key."""
    import_into(write_bank(tmp_path, "旧答案。"))
    assert answer_text(client) == "旧答案。"
    assert len(CONTENT) > 0
    with engine.begin() as connection:  # what an import by another process writes
        connection.execute(text("UPDATE question SET answer = '新答案。', content_hash = 'edited-elsewhere' "
                                "WHERE id = 'q-cache-probe'"))
    assert answer_text(client) == "新答案。"


def test_marker_like_bank_text_is_shown_as_text(tmp_path: Path, import_into: ImportInto, client: TestClient) -> None:
    import_into(write_bank(tmp_path, "答案。"))
    html = client.get("/questions/q-cache-probe").text
    page = parse(html)
    assert "<!--preplab:" not in html  # every marker was filled, and bank text shows its own `<` escaped
    assert "&lt;!--preplab:note--&gt;" in html
    prompt = page.find("section", cls="prompt").text()
    assert "<!--preplab:split-->" in prompt and "data-preplab-reveal" in prompt
    assert len(page.find_all("form", cls="note-form")) == 1
    assert len(page.find_all("section", cls="card-state")) == 1
    answer = page.find("details", cls="answer-section")
    assert answer is not None and "open" not in answer.attrs
    opened = parse(client.get("/questions/q-cache-probe?reveal=1").text).find("details", cls="answer-section")
    assert opened is not None and "open" in opened.attrs


def test_the_learners_parts_follow_the_learner_not_the_cache(
    tmp_path: Path, import_into: ImportInto, client: TestClient
) -> None:
    import_into(write_bank(tmp_path, "答案。"))
    before = parse(client.get("/questions/q-cache-probe").text)
    assert before.find("section", cls="card-state").attrs["data-state"] == "new"
    assert client.post("/api/review/q-cache-probe", json={"rating": 3}).status_code == 200
    assert client.put("/api/questions/q-cache-probe/note", json={"body": "我的笔记"}).status_code == 200
    assert client.put("/api/questions/q-cache-probe/bookmark").status_code == 200
    after = parse(client.get("/questions/q-cache-probe").text)
    assert after.find("section", cls="card-state").attrs["data-state"] != "new"
    assert after.find("div", cls="note-rendered").text().strip() == "我的笔记"
    assert after.find("button", cls="bookmark-toggle").attrs["aria-pressed"] == "true"


def test_split_markers() -> None:
    assert split_markers("a<!--preplab:x-->b<!--preplab:y-->") == (("a", "b", ""), ("x", "y"))
    assert split_markers("plain") == (("plain",), ())
