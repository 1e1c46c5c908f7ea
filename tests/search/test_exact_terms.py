"""Exact terms first: a short Latin term standing as a word (`DP`) ranks above questions where it only sits inside a
longer word (FSDP, GDPR); snippets show the text around the match, never the concept-alias list."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlmodel import Session

from app.search.highlight import best_window
from app.search.service import search

WORD_DP = re.compile(r"(?<![A-Za-z0-9])DP(?![A-Za-z0-9])", re.IGNORECASE)


def indexed(session: Session, question_id: str) -> dict[str, str]:
    row = session.connection().execute(
        text("SELECT title, prompt, answer, extra FROM question_search WHERE question_id = :id"), {"id": question_id}
    ).one()
    return dict(zip(("title", "prompt", "answer", "extra"), row, strict=True))


def test_dp_ranks_whole_word_matches_before_fsdp_and_gdpr(content_session: Session) -> None:
    page = search(session=content_session, query="DP", limit=100)
    as_word = [any(WORD_DP.search(value or "") for value in indexed(content_session, hit.id).values())
               for hit in page.hits]
    assert as_word[0] and "数据并行" in page.hits[0].title
    assert False in as_word  # FSDP, GDPR, SDPA, DPO still match…
    assert as_word == sorted(as_word, reverse=True)  # …but only after every question that says DP itself


def test_snippets_come_from_the_question_never_the_alias_list(content_session: Session) -> None:
    for query in ("DP", "ZeRO", "显存", "LoRA"):
        for hit in search(session=content_session, query=query, limit=20).hits:
            columns = indexed(content_session, hit.id)
            shown = re.sub(r"</?mark>", "", str(hit.snippet)).strip("…")
            shown = shown.replace("&#34;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            assert shown[:20] in (columns["prompt"] or "") + (columns["answer"] or ""), (query, hit.title, shown)


def test_a_window_prefers_the_whole_word() -> None:
    padding = "填充" * 40
    assert "普通 DP" in best_window([f"FSDP 是一种实现。{padding}普通 DP 每卡都存一整份模型。"], ["DP"], width=20)
