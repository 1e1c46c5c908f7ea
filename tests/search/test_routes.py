"""/search and /api/search in-process: JSON shape and validation, the page and its HTMX fragment, safe snippets."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.content.service import import_paths
from app.settings import Settings
from tests.conftest import CONTENT
from tests.search.conftest import LORA, ZERO_FAQ, question, write_bank
from tests.study.dom import parse

FILTER_NAMES = {"topic", "kind", "difficulty_min", "difficulty_max", "concept"}


def test_api_returns_ranked_results_with_highlighted_snippets(content_client: TestClient) -> None:
    body = content_client.get("/api/search", params={"q": "LoRA", "limit": 2}).json()
    # every question whose shown text (model answer included) says LoRA: the LoRA questions and those that compare it
    assert body["total"] >= 5 and body["limit"] == 2 and body["offset"] == 0 and body["took_ms"] >= 0
    first = body["results"][0]
    assert set(first) >= {"id", "title", "kind", "topic", "difficulty", "snippet", "score"}
    assert first["id"] in {LORA, "q-lab-lora-params"} and first["kind"] == "open" and first["topic"] == "训练算法与优化"
    assert "<mark>LoRA</mark>" in first["snippet"]
    assert [r["score"] for r in body["results"]] == sorted((r["score"] for r in body["results"]), reverse=True)


def test_api_filters_and_pages(content_client: TestClient) -> None:
    params = {"q": "训练", "kind": "mcq", "difficulty_min": 4, "difficulty_max": 8, "limit": 5}
    first = content_client.get("/api/search", params=params).json()
    second = content_client.get("/api/search", params=params | {"offset": 5}).json()
    assert first["total"] == second["total"] > 5
    results = first["results"] + second["results"]
    assert all(r["kind"] == "mcq" and 4 <= r["difficulty"] <= 8 for r in results)
    assert len({r["id"] for r in results}) == 10
    memory = content_client.get("/api/search", params={"q": "显存", "limit": 100}).json()
    zero = content_client.get("/api/search", params={"q": "显存", "concept": "zero", "limit": 100}).json()
    assert 0 < zero["total"] < memory["total"]
    assert {r["id"] for r in zero["results"]} <= {r["id"] for r in memory["results"]}
    topic = content_client.get("/api/search", params={"q": "ZeRO", "topic": "安全与合规"}).json()
    assert topic["total"] == 0 and topic["results"] == []


def test_api_rejects_a_blank_query_naming_the_field(content_client: TestClient) -> None:
    """Design choice: the JSON API answers a missing or blank q with 422 (the page shows its start screen)."""
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = content_client.get("/api/search", params=params)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "q"]
    for bad in ({"q": "x", "limit": 0}, {"q": "x", "limit": 101}, {"q": "x", "offset": -1},
                {"q": "x", "difficulty_min": 11}):
        response = content_client.get("/api/search", params=bad)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][1] in bad


def test_page_is_a_plain_get_form_that_htmx_makes_live(content_client: TestClient) -> None:
    response = content_client.get("/search", params={"q": "ZeRO"})
    assert response.status_code == 200 and "HX-Request" in response.headers["vary"].split(", ")
    html = parse(response.text)
    form = html.find("form", cls="search-form")
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/search"
    box = form.find("input", name="q")
    assert box.attrs["value"] == "ZeRO" and box.attrs["type"] == "search"
    assert box.attrs["hx-get"] == "/search" and box.attrs["hx-target"] == "#search-results"
    assert box.attrs["hx-trigger"] == "input changed delay:200ms, search" and box.attrs["hx-push-url"] == "true"
    selects = {select.attrs["name"]: select for select in form.find_all("select")}
    assert set(selects) == FILTER_NAMES and all(s.attrs["hx-get"] == "/search" for s in selects.values())
    assert form.find("button", type="submit")
    hits = html.find("section", id="search-results").find_all("li", cls="search-hit")
    assert ZERO_FAQ in [hit.attrs["data-question-id"] for hit in hits[:3]]
    first = hits[0]
    assert first.find("a", cls="search-hit-title").attrs["href"] == f"/questions/{first.attrs['data-question-id']}"
    assert first.find("span", cls="kind").text() and first.find("a", cls="topic").text()
    assert "ZeRO" in first.find("p", cls="search-snippet").text()
    assert html.find("a", href="/search", aria_current="page")  # the nav marks the page


def test_a_plain_form_submission_with_blank_filters_works(content_client: TestClient) -> None:
    """Without JS the browser sends every field, blanks included."""
    params = {"q": "混合精度", "topic": "", "kind": "", "difficulty_min": "", "difficulty_max": "", "concept": ""}
    html = parse(content_client.get("/search", params=params).text)
    assert len(html.find_all("li", cls="search-hit")) > 5
    mcq = parse(content_client.get("/search", params=params | {"kind": "mcq", "difficulty_min": "5"}).text)
    kinds = {span.attrs["data-kind"] for span in mcq.find_all("span", cls="kind")}
    assert kinds == {"mcq"}
    assert mcq.find("select", name="kind").find("option", value="mcq").attrs.get("selected") is not None


def test_htmx_requests_get_only_the_results_fragment(content_client: TestClient) -> None:
    response = content_client.get("/search", params={"q": "显存"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text and "<form" not in response.text
    section = parse(response.text).find("section", id="search-results")
    total = int(section.attrs["data-total"])
    assert total > 20 and len(section.find_all("li", cls="search-hit")) == 20  # the first page of 20
    restore = content_client.get("/search", params={"q": "显存"},
                                 headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_pager_links_work_with_and_without_htmx(content_client: TestClient) -> None:
    html = parse(content_client.get("/search", params={"q": "训练", "kind": "open"}).text)
    next_link = html.find("nav", cls="pager").find("a", rel="next")
    assert next_link.attrs["href"] == next_link.attrs["hx-get"]
    query = parse_qs(urlparse(next_link.attrs["href"]).query)
    assert query == {"q": ["训练"], "kind": ["open"], "offset": ["20"]}
    second = parse(content_client.get(next_link.attrs["href"]).text)
    assert second.find("ol", cls="search-hits").attrs["start"] == "21"


def test_no_results_offers_ways_out(content_client: TestClient) -> None:
    html = parse(content_client.get("/search", params={"q": "LoRA", "kind": "code"}).text)
    assert html.find("p", cls="search-none")
    clear = html.find("a", data_suggestion="clear-filters")
    total = content_client.get("/api/search", params={"q": "LoRA"}).json()["total"]
    assert clear.attrs["href"] == "/search?q=LoRA" and f"（{total} 道题）" in clear.text()
    words = parse(content_client.get("/search", params={"q": "LoRA 不存在的词"}).text)
    assert [a.attrs["href"] for a in words.find_all("a", data_suggestion="term")] == ["/search?q=LoRA"]


def test_blank_query_shows_the_start_screen(content_client: TestClient) -> None:
    html = parse(content_client.get("/search").text)
    assert html.find("p", cls="search-start")
    examples = html.find("p", cls="search-examples").find_all("a")
    assert examples and all(a.attrs["href"].startswith("/search?q=") for a in examples)
    assert not html.find_all("li", cls="search-hit")


XSS_TITLE = "防注入 <script>alert('title')</script> 标题"
XSS_ANSWER = "答案里有 <img src=x onerror=alert(1)> 和 <script>alert('answer')</script>，还有 & 与 \ue000伪标记\ue001。"


def test_snippets_escape_untrusted_text(settings: Settings, engine: Engine, client: TestClient, tmp_path: Path) -> None:
    bank = write_bank(tmp_path, "xss", question("q-xss", XSS_TITLE, answer=XSS_ANSWER))
    import_paths(engine, [bank], settings=Settings(content_dir=CONTENT))
    for query in ("script", "onerror", "伪标记", "alert"):
        result = client.get("/api/search", params={"q": query}).json()["results"][0]
        for html in (result["snippet"], result["title_html"]):
            assert "<script" not in html and "<img" not in html
            assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
        assert f"<mark>{query}</mark>" in result["snippet"] + result["title_html"]
    page = client.get("/search", params={"q": "script"}).text
    assert "<script>alert" not in page and "&lt;<mark>script</mark>&gt;alert" in page
    fragment = client.get("/search", params={"q": "onerror"}, headers={"HX-Request": "true"}).text
    assert "<img" not in fragment and "&lt;img src=x <mark>onerror</mark>=alert(1)&gt;" in fragment
