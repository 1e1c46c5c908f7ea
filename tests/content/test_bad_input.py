"""A malformed bank stops the import with file, line and problem — and the database is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from app.content.bank import ContentError
from tests.conftest import ImportInto

GOOD = """---
preplab: 1
bank: good
title: 好题库
---

## 什么是 ZeRO？

```yaml
id: q-good-zero
kind: open
difficulty: 5
concepts: [zero]
```

### 答案

ZeRO 把优化器状态、梯度和参数切分到数据并行的各个进程上。
"""

HEADER = """---
preplab: 1
bank: bad
title: 坏题库
---

"""

MCQ = """## 哪一项正确？

```yaml
id: q-bad-mcq
kind: mcq
```

### 选项

{options}

### 解析

因为如此。
"""

CASES: dict[str, tuple[str | bytes, set[int], str]] = {
    "unclosed details": (
        HEADER + "## 问题\n\n```yaml\nid: q-bad-1\nkind: open\n```\n\n### 答案\n\n<details>\n答案在这里\n",
        {16}, "<details>"),
    "mcq with no correct option": (HEADER + MCQ.format(options="- [ ] A. 一\n- [ ] B. 二"), {14}, "正确选项"),
    "mcq with two correct options": (HEADER + MCQ.format(options="- [x] A. 一\n- [x] B. 二"), {14}, "正确选项"),
    "duplicate id": (
        HEADER + "## 一\n\n```yaml\nid: q-dup\nkind: open\n```\n\n### 答案\n\n甲\n\n"
        "## 二\n\n```yaml\nid: q-dup\nkind: open\n```\n\n### 答案\n\n乙\n", {18}, "q-dup"),
    "empty answer": (HEADER + "## 问题\n\n```yaml\nid: q-empty\nkind: open\n```\n\n### 答案\n\n\n", {7, 14}, "答案"),
    "invalid utf-8": (HEADER.encode() + "## 问题\n".encode() + b"\xff\xfe broken\n", {8}, "UTF-8"),
    "front matter that does not parse": ("---\npreplab: 1\nbank: [unclosed\ntitle: x\n---\n\n", {3, 4}, "front matter"),
}


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return {n: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{n}"'))), key=repr) for n in names}


@pytest.fixture
def banks(tmp_path: Path, import_into: ImportInto) -> Path:
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / "a-good.md").write_text(GOOD, encoding="utf-8")
    import_into(folder)
    return folder


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_bank_names_file_and_line_and_changes_nothing(
    case: str, banks: Path, engine: Engine, import_into: ImportInto
) -> None:
    body, line, words = CASES[case]
    before = _snapshot(engine)
    (banks / "a-good.md").write_text(GOOD.replace("什么是 ZeRO？", "什么是 ZeRO？（改）"), encoding="utf-8")
    bad = banks / "b-bad.md"
    bad.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    with pytest.raises(ContentError) as caught:
        import_into(banks)
    error = caught.value
    assert Path(error.file).name == "b-bad.md"
    assert error.line in line, str(error)
    assert words in str(error)
    assert str(error).startswith(f"{error.file}:{error.line}: ")
    assert _snapshot(engine) == before


def test_file_over_10_mb_is_refused_and_changes_nothing(banks: Path, engine: Engine, import_into: ImportInto) -> None:
    before = _snapshot(engine)
    big = banks / "b-big.md"
    big.write_text(HEADER + "## 问题\n\n" + "很长的答案。" * (11 * 1024 * 1024 // 18), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        import_into(banks)
    assert Path(caught.value.file).name == "b-big.md" and "10485760" in str(caught.value)
    assert _snapshot(engine) == before


def test_duplicate_ids_across_banks_are_refused(banks: Path, engine: Engine, import_into: ImportInto) -> None:
    before = _snapshot(engine)
    (banks / "c-copy.md").write_text(GOOD.replace("bank: good", "bank: copy"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        import_into(banks)
    assert Path(caught.value.file).name == "c-copy.md" and caught.value.line == 7
    assert "q-good-zero" in str(caught.value)
    assert _snapshot(engine) == before
