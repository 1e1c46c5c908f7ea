"""Review fixtures: a real database with a small generated bank (open questions and one MCQ) and the local learner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.content.importer import ImportReport
from app.settings import Settings
from tests.conftest import CONTENT, ImportInto, migrated_copy

ZONE = "Asia/Shanghai"
NOW = datetime(2024, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
QUESTION_IDS = [f"q-review-{number}" for number in range(1, 7)] + ["q-review-mcq"]


def bank_text(open_questions: int = 6) -> str:
    """Open questions q-review-1… and one MCQ, in this order, in the canonical format."""
    parts = ["---\npreplab: 1\nbank: review-test\ntitle: 复习测试题库\ndocuments: [test.txt]\n---\n"]
    for number in range(1, open_questions + 1):
        parts.append(
            f"## 第 {number} 题：什么是 ZeRO Stage {number}？\n\n```yaml\nid: q-review-{number}\nkind: open\n"
            f"concepts: [zero]\n```\n\n### 答案\n\n答案 {number}：切分训练状态。\n\n### 解析\n\n解析 {number}。\n\n"
            f"### 要点\n\n- 要点甲 {number}\n- 要点乙 {number}\n"
        )
    parts.append(
        "## ZeRO-2 切分哪些状态？\n\n```yaml\nid: q-review-mcq\nkind: mcq\n```\n\n### 选项\n\n"
        "- [ ] A. 只切分参数\n- [x] B. 优化器状态和梯度\n- [ ] C. 只切分激活值\n\n### 解析\n\n"
        "Stage 2 在 Stage 1 的基础上再切分梯度。\n"
    )
    return "\n".join(parts)


@pytest.fixture
def settings(tmp_path: Path, migrated_database: Path) -> Settings:
    return Settings(database_url=migrated_copy(tmp_path, migrated_database), content_dir=CONTENT, timezone=ZONE)


@pytest.fixture
def bank_path(tmp_path: Path) -> Path:
    path = tmp_path / "banks" / "review-test.md"
    path.parent.mkdir()
    path.write_text(bank_text(), encoding="utf-8")
    return path


@pytest.fixture
def bank(import_into: ImportInto, bank_path: Path) -> ImportReport:
    report = import_into(bank_path)
    assert report.total == len(QUESTION_IDS), report
    return report


@pytest.fixture
def session(engine: Engine, bank: ImportReport) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
