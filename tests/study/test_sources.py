"""Sources read as their documents' titles, linked to the cited line of the original (/sources/{document}#L{line})."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import ImportInto
from tests.study.dom import parse

DOCUMENT = "000_19bd2eb347514dbd.txt"


def test_question_sources_show_titles_and_link_to_the_line(client: TestClient, import_into: ImportInto,
                                                          engine: Engine) -> None:
    import_into()
    page = parse(client.get("/questions/q-3b40afb598").text)
    links = page.find("ul", cls="sources").find_all("a")
    assert links and all(link.attrs["href"].startswith("/sources/") and "#L" in link.attrs["href"] for link in links)
    assert all(".txt" not in link.text() for link in links)  # titles, not hash names
    assert "大语言模型面试题及算法编程题解析" in {link.text() for link in links}


def test_the_original_opens_at_the_cited_line(client: TestClient) -> None:
    page = parse(client.get(f"/sources/{DOCUMENT}").text)
    assert page.find("h1").text() == "大语言模型面试题及算法编程题解析"
    line = page.find("li", id="L5")
    assert "什么是大语言模型" in line.text()
    body = client.get(f"/api/sources/{DOCUMENT}").json()
    assert body["title_en"].startswith("LLM interview") and "什么是大语言模型" in body["lines"][4]
    assert client.get("/sources/..%2F..%2Fpyproject.toml").status_code == 404
    assert client.get("/sources/nope.txt").status_code == 404
    index = parse(client.get("/sources").text)
    assert len(index.find("ul", cls="source-list").find_all("a")) == 5


def test_a_note_renders_its_markdown_safely(client: TestClient, import_into: ImportInto) -> None:
    import_into()
    body = "**记住** `4Ψ`\n\n- 第一点\n\n<script>alert(1)</script>"
    saved = client.post("/questions/q-3b40afb598/note", data={"body": body}, headers={"HX-Request": "true"})
    rendered = parse(saved.text).find("div", data_testid="note-rendered")
    assert rendered.find("strong").text() == "记住" and rendered.find("code").text() == "4Ψ"
    assert rendered.find_all("li") and not rendered.find_all("script") and "&lt;script&gt;" in saved.text
    page = parse(client.get("/questions/q-3b40afb598").text)
    assert page.find("div", data_testid="note-rendered").find("strong").text() == "记住"
