"""Browsing: topics with their concepts and skills, a topic's filtered and paged questions, concept pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.content.importer import ImportReport
from app.study.browse import QuestionFilters, topic_questions
from tests.study.dom import parse

DISTRIBUTED = "分布式训练与系统架构"
FOUNDATIONS = "大模型基础"


def test_topics_in_catalogue_order_with_counts_concepts_and_skills(banks: ImportReport, client: TestClient) -> None:
    topics = {row["topic"]: row for row in client.get("/api/topics").json()}
    names = list(topics)
    assert names.index(FOUNDATIONS) < names.index(DISTRIBUTED)  # concepts.yaml lists 大模型基础 first
    assert topics[DISTRIBUTED]["questions"] == 5 and topics[FOUNDATIONS]["questions"] == 2
    concepts = {concept["id"]: concept["questions"] for concept in topics[DISTRIBUTED]["concepts"]}
    assert concepts["zero"] == 3 and concepts["pipeline-parallelism"] == 2
    assert topics[DISTRIBUTED]["skills"] == [{"skill": "DeepSpeed", "questions": 2}]

    page = parse(client.get("/topics").text)
    card = page.find("li", cls="topic-card", data_topic=DISTRIBUTED)
    assert card.find("a", href=f"/topics/{quote(DISTRIBUTED)}").text() == DISTRIBUTED
    assert card.find("a", href="/concepts/zero")


def _ids(response_json: dict) -> list[str]:  # type: ignore[type-arg]
    return [item["id"] for item in response_json["items"]]


def test_topic_questions_filter_by_kind_difficulty_and_skill(banks: ImportReport, client: TestClient) -> None:
    base = f"/api/topics/{quote(DISTRIBUTED)}"
    assert _ids(client.get(base).json()) == [
        "q-1a2b3c4d5e", "q-mcq-zero2", "q-mcq-pipeline", "q-code-zero-memory", "Q_pipeline.1",
    ]
    assert _ids(client.get(base, params={"kind": "mcq"}).json()) == ["q-mcq-zero2", "q-mcq-pipeline"]
    assert _ids(client.get(base, params={"difficulty": "medium"}).json()) == [
        "q-1a2b3c4d5e", "q-mcq-zero2", "q-code-zero-memory",
    ]
    assert _ids(client.get(base, params={"difficulty": "unrated"}).json()) == ["q-mcq-pipeline", "Q_pipeline.1"]
    both = client.get(base, params={"kind": "code", "skill": "DeepSpeed"}).json()
    assert _ids(both) == ["q-code-zero-memory"]
    assert both["filters"] == {"kind": "code", "difficulty": None, "skill": "DeepSpeed"}
    # A stale or mistyped filter is ignored rather than an error.
    assert len(_ids(client.get(base, params={"kind": "essay", "difficulty": "??"}).json())) == 5


def test_topic_questions_are_paged(session: Session) -> None:
    first = topic_questions(session=session, topic=DISTRIBUTED, filters=QuestionFilters(), page_size=2)
    assert (first.total, first.pages, [item.id for item in first.items]) == (5, 3, ["q-1a2b3c4d5e", "q-mcq-zero2"])
    last = topic_questions(session=session, topic=DISTRIBUTED, filters=QuestionFilters(page=3), page_size=2)
    assert [item.id for item in last.items] == ["Q_pipeline.1"]
    beyond = topic_questions(session=session, topic=DISTRIBUTED, filters=QuestionFilters(page=99), page_size=2)
    assert beyond.page == 3


def test_filter_links_keep_other_filters_and_reset_the_page() -> None:
    filters = QuestionFilters.parse(kind="mcq", difficulty="", skill="DeepSpeed", page="3")
    assert filters.query(page=4) == "kind=mcq&skill=DeepSpeed&page=4"
    assert filters.query(kind="open") == "kind=open&skill=DeepSpeed"


def test_htmx_filter_gets_the_list_fragment_and_a_plain_request_the_page(
    banks: ImportReport, client: TestClient
) -> None:
    url = f"/topics/{quote(DISTRIBUTED)}?kind=mcq"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["vary"].split(", ")
    assert "<html" not in fragment.text
    region = parse(fragment.text).find("div", id="question-list")
    assert [item.attrs["data-question-id"] for item in region.find_all("li", cls="question-item")] == [
        "q-mcq-zero2", "q-mcq-pipeline",
    ]
    page = parse(client.get(url).text)
    assert page.find("select", name="kind").find("option", value="mcq", selected=True)
    form = page.find("form", cls="filters")
    assert form.attrs["method"] == "get" and form.attrs["hx-target"] == "#question-list"
    listed = page.find("div", id="question-list").find_all("li", cls="question-item")
    assert len(listed) == 2
    # Going back after a cache miss asks for the whole page again.
    restore = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_unknown_topic_is_a_readable_404(banks: ImportReport, client: TestClient) -> None:
    page = client.get(f"/topics/{quote('没有这个主题')}")
    assert page.status_code == 404 and "没有这个主题" in parse(page.text).find("main").text()
    assert client.get("/api/topics/none").status_code == 404


def test_concept_page_and_its_json_twin(banks: ImportReport, client: TestClient) -> None:
    concept = client.get("/api/concepts/zero").json()
    assert concept["name_zh"] == "零冗余优化器（ZeRO）" and concept["topic"] == DISTRIBUTED
    assert [q["id"] for q in concept["questions"]] == ["q-1a2b3c4d5e", "q-mcq-zero2", "q-code-zero-memory"]
    assert concept["labs"] == ["zero-memory"] and "零冗余优化器" in concept["aliases"]
    assert concept["related"] and all(set(related) >= {"id", "name_zh"} for related in concept["related"])

    page = parse(client.get("/concepts/zero").text)
    labs = page.find("section", id="lab-results")
    assert labs.attrs["data-labs"] == "zero-memory"
    assert "参考结果" in labs.text()  # the placeholder gave way to the lab's reference result (issue 4)
    assert [li.attrs["data-question-id"] for li in page.find_all("li", cls="question-item")] == [
        q["id"] for q in concept["questions"]
    ]
    for related in concept["related"]:
        assert page.find("a", href=f"/concepts/{related['id']}")
    assert page.find("a", href="/review?concept=zero")


def test_unknown_concept_is_a_readable_404(banks: ImportReport, client: TestClient) -> None:
    page = client.get("/concepts/no-such-concept")
    assert page.status_code == 404 and "no-such-concept" in page.text
    assert client.get("/api/concepts/no-such-concept").json() == {"detail": "概念 no-such-concept 不存在。"}
