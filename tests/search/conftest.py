"""Search fixtures: all of content/ imported once into a real SQLite file, and small banks written per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.conftest import CONTENT
from tests.csrf import page_client
from tests.server import imported_database

# Questions of content/banks this suite relies on (their ids are explicit in the banks, so they are stable).
ZERO_FAQ = "q-d348ff15b0"  # deepspeed-faq: 请解释DeepSpeed中的ZeRO（Zero Redundancy Optimizer）技术。
ZERO_SKILLS = "q-18f2d5e0da"  # llm-training-skills: ZeRO（零冗余优化器）系列技术是如何优化……
ZERO_BASICS = "q-9be40bae6e"  # llm-deepspeed-basics: 什么是DeepSpeed的ZeRO……
MIXED_PRECISION_FAQ = "q-dbc5fde3d0"  # deepspeed-faq: 请说明DeepSpeed中的混合精度训练技术。
MIXED_PRECISION_MCQ = "q-bb24ac6074"  # llm-training-skills (mcq): ……混合精度训练（Mixed Precision Training）……
LORA = "q-5318348eeb"  # llm-training-skills: LoRA（低秩自适应）是一种怎样的参数高效微调技术？……
MEMORY_MCQ = "q-6bd0a6b5e8"  # llm-training-skills (mcq): ……显存成为限制模型大小和训练效率的关键资源……


@pytest.fixture(scope="session")
def content_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("search") / "content.db")


@pytest.fixture(scope="module")
def content_engine(content_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A private copy of the imported content per test module (tests may write to it)."""
    copy = copy_database(content_database, tmp_path_factory.mktemp("search-copy") / "content.db")
    engine = make_engine(database_url(copy))
    yield engine
    engine.dispose()


@pytest.fixture
def content_session(content_engine: Engine) -> Iterator[Session]:
    with Session(content_engine) as session:
        yield session


@pytest.fixture(scope="module")
def content_client(content_engine: Engine) -> Iterator[TestClient]:
    settings = Settings(database_url=content_engine.url.render_as_string(hide_password=False), content_dir=CONTENT)
    with page_client(create_app(settings)) as client:
        yield client


def write_bank(folder: Path, slug: str, questions: str) -> Path:
    """A canonical bank file holding `questions` (the Markdown of its `##` sections)."""
    path = folder / f"{slug}.md"
    path.write_text(f"---\npreplab: 1\nbank: {slug}\ntitle: {slug}\n---\n\n{questions}", encoding="utf-8")
    return path


def question(qid: str, title: str, *, prompt: str = "", answer: str = "", kind: str = "open", topic: str = "测试主题",
             difficulty: int = 5) -> str:
    """One canonical question section."""
    return (f"## {title}\n\n```yaml\nid: {qid}\nkind: {kind}\ndifficulty: {difficulty}\ntopic: {topic}\n```\n\n"
            f"### 题目\n\n{prompt or title}\n\n### 答案\n\n{answer or '答案。'}\n\n")
