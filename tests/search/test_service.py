"""The search service over the real banks: Chinese and English terms, short terms, AND, filters, paging, ranking."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from app.models import Question, QuestionConcept
from app.search.filters import SearchFilters
from app.search.index import question_documents
from app.search.service import search
from tests.search.conftest import (
    LORA,
    MEMORY_MCQ,
    MIXED_PRECISION_FAQ,
    MIXED_PRECISION_MCQ,
    ZERO_BASICS,
    ZERO_FAQ,
    ZERO_SKILLS,
)

LORA_PARAMS = "q-lab-lora-params"


def ids(session: Session, query: str, **options: object) -> list[str]:
    return [hit.id for hit in search(session=session, query=query, limit=100, **options).hits]  # type: ignore[arg-type]


def searchable_text(session: Session, question_ids: list[str]) -> dict[str, str]:
    """Everything the index holds for each question, folded to lower case."""
    documents = question_documents(session=session, question_ids=question_ids)
    return {doc["question_id"]: " ".join(doc.values()).casefold() for doc in documents}


@pytest.mark.parametrize(("query", "expected", "within"), [
    # the documents' three ZeRO questions, beside the lab bank's ZeRO-Offload question
    ("零冗余", {ZERO_SKILLS, ZERO_FAQ, ZERO_BASICS}, 4),
    ("ZeRO", {ZERO_FAQ, ZERO_BASICS, ZERO_SKILLS}, 4),
    ("混合精度", {MIXED_PRECISION_FAQ, MIXED_PRECISION_MCQ}, 5),
    # the two LoRA questions before the QLoRA ones: a whole word outranks the same letters inside "QLoRA"
    ("LoRA", {LORA, LORA_PARAMS}, 2),
])
def test_chinese_and_english_queries_rank_the_right_questions_first(
    content_session: Session, query: str, expected: set[str], within: int,
) -> None:
    found = ids(content_session, query)
    assert expected <= set(found[:within]), found[:within + 3]


def test_english_is_case_insensitive(content_session: Session) -> None:
    assert ids(content_session, "lora") == ids(content_session, "LoRA") == ids(content_session, "LORA")
    assert ZERO_FAQ in ids(content_session, "zero redundancy optimizer")[:3]


@pytest.mark.parametrize("query", ["显存", "DP", "并行"])
def test_one_and_two_character_terms_are_found_by_substring(content_session: Session, query: str) -> None:
    page = search(session=content_session, query=query, limit=100)
    assert page.total == len(page.hits) > 0
    texts = searchable_text(content_session, [hit.id for hit in page.hits])
    assert all(query.casefold() in texts[hit.id] for hit in page.hits)
    assert all("<mark>" in hit.snippet or "<mark>" in hit.title_html for hit in page.hits[:5])


def test_a_two_character_query_ranks_title_matches_first(content_session: Session) -> None:
    found = ids(content_session, "显存")
    assert MEMORY_MCQ in found[:5]
    titles = dict(content_session.exec(select(Question.id, Question.title).where(col(Question.id).in_(found))).all())
    in_title = [qid for qid in found if "显存" in titles[qid]]
    assert found[:len(in_title)] == in_title  # every title match outranks every other match


@pytest.mark.parametrize("query", ["ZeRO 显存", "混合精度 FP16", "LoRA 微调", "流水线 并行 GPU"])
def test_every_term_must_match(content_session: Session, query: str) -> None:
    found = ids(content_session, query)
    assert found
    texts = searchable_text(content_session, found)
    for term in query.casefold().split():
        assert all(term in texts[qid] for qid in found), term
    assert set(found) <= set(ids(content_session, query.split()[0]))


def test_concept_aliases_are_searchable(content_session: Session) -> None:
    # "低秩自适应" is an alias of the concept lora; questions tagged lora are found even if their text says "LoRA".
    tagged = set(content_session.exec(select(QuestionConcept.question_id).where(QuestionConcept.concept_id == "lora")))
    assert tagged and tagged <= set(ids(content_session, "低秩自适应"))


def test_filters_narrow_the_results(content_session: Session) -> None:
    everything = search(session=content_session, query="训练", limit=100)
    mcq = search(session=content_session, query="训练", filters=SearchFilters(kind="mcq"), limit=100)
    assert 0 < mcq.total < everything.total and {hit.kind for hit in mcq.hits} == {"mcq"}
    distributed = SearchFilters(topic="分布式训练与系统架构")
    topic = search(session=content_session, query="训练", filters=distributed, limit=100)
    assert topic.total and {hit.topic for hit in topic.hits} == {"分布式训练与系统架构"}
    band = search(session=content_session, query="训练", filters=SearchFilters(difficulty_min=7, difficulty_max=8),
                  limit=100)
    assert band.total and all(hit.difficulty in (7, 8) for hit in band.hits)
    zero = search(session=content_session, query="训练", filters=SearchFilters(concept="zero"), limit=100)
    tagged = set(content_session.exec(select(QuestionConcept.question_id).where(QuestionConcept.concept_id == "zero")))
    assert zero.total and {hit.id for hit in zero.hits} <= tagged
    combined = SearchFilters(kind="mcq", topic="训练算法与优化", difficulty_min=5)
    both = search(session=content_session, query="训练", filters=combined, limit=100)
    assert all(h.kind == "mcq" and h.topic == "训练算法与优化" and (h.difficulty or 0) >= 5 for h in both.hits)
    assert search(session=content_session, query="LoRA", filters=SearchFilters(kind="code")).total == 0


def test_pages_split_one_stable_ranking(content_session: Session) -> None:
    whole = search(session=content_session, query="训练", limit=100)
    assert whole.total > 25
    pages = [search(session=content_session, query="训练", limit=10, offset=offset) for offset in range(0, 30, 10)]
    assert [hit.id for page in pages for hit in page.hits] == [hit.id for hit in whole.hits[:30]]
    assert {page.total for page in pages} == {whole.total}
    assert pages[1].first == 11 and pages[1].last == 20 and pages[1].prev_offset == 0 and pages[1].next_offset == 20
    beyond = search(session=content_session, query="训练", offset=whole.total)
    assert beyond.hits == [] and beyond.total == whole.total and beyond.next_offset is None
    scores = [hit.score for hit in whole.hits]
    assert scores == sorted(scores, reverse=True)


def test_blank_and_punctuation_queries(content_session: Session) -> None:
    assert search(session=content_session, query="   ").total == 0
    assert search(session=content_session, query='"ZeRO" OR NEAR(qqq').total == 0  # FTS5 syntax is searched as text
    assert ZERO_FAQ in ids(content_session, '"ZeRO"')
    assert ids(content_session, "ZeRO，显存") == ids(content_session, "ZeRO 显存")
