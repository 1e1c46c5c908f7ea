"""The planner's page, its HTMX fragment and its JSON twin in-process: one service behind all three, a plain GET form
that works without JavaScript, each term linked to its lab, and the way in from the nav and /labs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.planner.inputs import FIELDS
from tests.study.dom import parse

LLAMA_8_H100_ZERO3 = "/planner?model=llama-2-7b&precision=bf16-mixed&optimizer=adamw&zero=3&dp=8&gpu=h100-80"


def test_the_page_is_a_plain_get_form_with_every_field(client: TestClient) -> None:
    page = parse(client.get("/planner").text)
    form = page.find("form", data_testid="planner-form")
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/planner"
    assert form.attrs["hx-get"] == "/planner/result" and "input changed delay:200ms" in form.attrs["hx-trigger"]
    names = {element.attrs["name"] for element in form.walk() if element.tag in ("input", "select")}
    assert names == {item.name for item in FIELDS}
    assert not form.find_all("input", name="csrftoken")  # a GET form carries no token
    assert page.find("a", href="/planner").attrs.get("aria-current") == "page"  # the nav link


def test_the_page_shows_the_breakdown_with_lab_links_and_the_verdict(client: TestClient) -> None:
    page = parse(client.get(LLAMA_8_H100_ZERO3).text)
    result = page.find(data_testid="planner-result")
    assert result.attrs["data-fits"] == "true"
    terms = {row.attrs["data-term"]: row for row in result.find("table", data_testid="planner-terms").find_all("tr")
             if "data-term" in row.attrs}
    assert list(terms) == ["weights", "gradients", "optimizer_states", "zero3_gathered", "activations", "allowance",
                           "total"]
    assert terms["weights"].attrs["data-bytes"] == "1684603904"
    assert terms["optimizer_states"].find("span", cls="exact").attrs["title"].startswith("10,107,623,424 bytes")
    assert "9.41 GiB" in terms["optimizer_states"].text()
    links = {link.attrs["href"] for row in terms.values() for link in row.find_all("a")}
    assert {"/labs/zero-memory", "/labs/activation-memory", "/labs/mixed-precision"} <= links
    fits = {row.attrs["data-gpu"]: "too-big" not in row.classes for row in result.find_all("tr", data_gpu=True)}
    assert fits == {"h200": True, "h100-80": True, "a100-80": True, "a100-40": True, "rtx4090": False}


def test_the_fragment_is_the_pages_result_and_the_address_follows(client: TestClient) -> None:
    query = "model=llama-3-70b&zero=2&dp=64"
    fragment = client.get(f"/planner/result?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.headers["HX-Replace-Url"] == f"/planner?{query}"
    assert "HX-Request" in fragment.headers["Vary"]
    page = parse(client.get(f"/planner?{query}").text).find(data_testid="planner-result")
    assert parse(fragment.text).find(data_testid="planner-result").attrs == page.attrs


def test_the_json_twin_gives_the_parameter_count_and_every_term_in_bytes(client: TestClient) -> None:
    plan = client.get("/api/memory-plan?" + LLAMA_8_H100_ZERO3.split("?")[1]).json()
    assert plan["model"]["params"] == 6_738_415_616
    assert plan["per_gpu_bytes"] == {"weights": 1_684_603_904, "gradients": 1_684_603_904,
                                     "optimizer_states": 10_107_623_424, "zero3_gathered": 524_288_000,
                                     "activations": 20_740_833_280, "allowance": 5_621_678_899,
                                     "total": 40_363_631_411}
    assert plan["verdict"] == {"gpu": "h100-80", "fits": True, "headroom_bytes": 85_899_345_920 - 40_363_631_411}
    assert {term["key"]: term["labs"] for term in plan["terms"]}["activations"] == ["/labs/activation-memory"]
    infer = client.get("/api/memory-plan?mode=infer&model=llama-3-8b&batch=32&context=8192").json()
    assert infer["per_gpu_bytes"]["kv_cache"] == 32 * 8192 * 131_072 and "activations" not in infer["per_gpu_bytes"]


def test_values_that_cannot_be_used_are_words_not_500s(client: TestClient) -> None:
    bad = client.get("/api/memory-plan?zero=9&dp=lots")
    assert bad.status_code == 422 and len(bad.json()["errors"]) == 2
    refused = client.get("/api/memory-plan?model=custom&hidden=1000&heads=7")
    assert refused.status_code == 422 and "1000" in refused.json()["errors"][0]
    page = client.get("/planner?zero=9")
    assert page.status_code == 200  # the form comes back with the problem named and the default used
    assert parse(page.text).find(data_testid="planner-errors")
    assert parse(page.text).find(data_testid="planner-result")
    assert client.get("/planner?model=custom&hidden=1000&heads=7").status_code == 200


def test_english_page_and_the_way_in_from_labs(client: TestClient) -> None:
    assert client.put("/api/settings", json={"language": "en"}).status_code == 200
    page = parse(client.get(LLAMA_8_H100_ZERO3).text)
    assert page.find("h1").text() == "Memory planner"
    assert page.find(data_testid="planner-verdict").text().startswith("Fits: 37.6 GiB on each H100 80 GB")
    labs = parse(client.get("/labs").text)
    assert labs.find("a", data_testid="planner-link").attrs["href"] == "/planner"
