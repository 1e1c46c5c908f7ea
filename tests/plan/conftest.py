"""Plan fixtures: a real database with a small bank over two topics and four concepts, and the local learner."""

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
NOW = datetime(2024, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, 10 March
DIST, ALGO = "分布式训练与系统架构", "训练算法与优化"
# question id → (topic, concept)
QUESTIONS = {
    "q-plan-d1": (DIST, "zero"), "q-plan-d2": (DIST, "zero"), "q-plan-d3": (DIST, "zero"),
    "q-plan-d4": (DIST, "data-parallelism"),
    "q-plan-t1": (ALGO, "mixed-precision"), "q-plan-t2": (ALGO, "mixed-precision"),
    "q-plan-t3": (ALGO, "lora"), "q-plan-t4": (ALGO, "lora"),
}


TITLES = ["切分优化器状态能省多少显存", "梯度切分之后通信量如何变化", "参数也切分时前向要做什么",
          "数据并行里梯度怎样同步", "损失缩放解决什么问题", "半精度训练为什么要保留主权重",
          "低秩适配器的秩怎么选", "适配器训练时哪些参数可训练"]


def bank_text() -> str:
    parts = ["---\npreplab: 1\nbank: plan-test\ntitle: 计划测试题库\ndocuments: [test.txt]\n---\n"]
    for number, (question_id, (topic, concept)) in enumerate(QUESTIONS.items(), start=1):
        parts.append(
            f"## {TITLES[number - 1]}？\n\n```yaml\nid: {question_id}\nkind: open\ntopic: {topic}\n"
            f"concepts: [{concept}]\n```\n\n### 答案\n\n答案 {number}。\n\n### 要点\n\n- 要点 {number}\n"
        )
    return "\n".join(parts)


@pytest.fixture
def settings(tmp_path: Path, migrated_database: Path) -> Settings:
    return Settings(database_url=migrated_copy(tmp_path, migrated_database), content_dir=CONTENT, timezone=ZONE)


@pytest.fixture
def bank(import_into: ImportInto, tmp_path: Path) -> ImportReport:
    path = tmp_path / "banks" / "plan-test.md"
    path.parent.mkdir()
    path.write_text(bank_text(), encoding="utf-8")
    report = import_into(path)
    assert report.total == len(QUESTIONS), report
    return report


@pytest.fixture
def session(engine: Engine, bank: ImportReport) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
