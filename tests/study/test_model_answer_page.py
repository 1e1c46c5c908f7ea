"""A question with a model answer: the page and its JSON twin show the model answer, key points and references,
and keep the documents' answers (copies folded into one) collapsed as sources with their corrections; a foreign
document's question still shows its own answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import DATA, ImportInto
from tests.study.dom import parse

COPY = "ZeRO 把模型参数分割成多个较小的子集，每个子集仅存储在一个 GPU 上，并在需要时把梯度合并后更新所有参数。"
BANK = f"""---
preplab: 1
bank: model
title: 参考答案演示
---

## 请解释 ZeRO。

```yaml
id: q-model-1
kind: open
concepts: [zero]
sources:
  - a.txt:10
  - a.txt:40
  - a.txt:70
  - b.txt:5
```

### 参考答案

ZeRO（Zero Redundancy Optimizer）在数据并行各卡之间切分模型状态：stage 1 切分优化器状态，stage 2 再切分梯度，
stage 3 再切分参数，每卡显存从 $16\\Psi$ 降到 $16\\Psi/N$。

### 参考资料

- ZeRO 论文（Rajbhandari et al., SC 2020, arXiv:1910.02054）§5

### 要点

- 切分优化器状态、梯度、参数
- stage 3 每卡 16Ψ/N
- 通信换显存

### 原文答案

{COPY}

### 原文解析

通过 ZeRO 技术可以训练大模型。

### 勘误

- 原答案只讲了参数分割，漏掉了三个阶段。
  原文：把模型参数分割成多个较小的子集
  来源：ZeRO 论文 §5

### 其他答案

#### a.txt:40

{COPY.replace("，并在", "，并且在")}

##### 勘误

- 该答案只讲了参数分割，漏掉了三个阶段。
  原文：把模型参数分割成多个较小的子集
  来源：ZeRO 论文 §5

#### b.txt:5

ZeRO 是一种把数据切到多张卡上的并行方法。

##### 勘误

- 切分的是模型状态，不是数据。
  原文：把数据切到多张卡上
  来源：ZeRO 论文 §5
"""


@pytest.fixture
def model_bank(tmp_path: Path, import_into: ImportInto) -> None:
    path = tmp_path / "banks" / "model.md"
    path.parent.mkdir()
    path.write_text(BANK, encoding="utf-8")
    import_into(path, DATA / "foreign" / "labelled.md")


def test_page_reads_model_answer_points_references_then_originals(model_bank: None, client: TestClient) -> None:
    page = parse(client.get("/questions/q-model-1").text)
    section = page.find("details", id="answer")
    order = [child.attrs.get("class", "").split()[0] for child in section.children
             if not isinstance(child, str) and child.tag in ("section", "details")]
    assert order == ["answer", "key-points", "references", "originals"]
    assert "切分模型状态" in section.find("section", cls="model-answer").text()
    assert not page.find_all(data_notice="corrections")  # the answer shown is right: no warning on top
    originals = section.find("details", cls="originals")
    assert "open" not in originals.attrs
    assert originals.find("summary").text().strip() == "原文答案（含 2 处勘误）"
    groups = originals.find_all("article", cls="original")
    assert len(groups) == 2  # the near-identical copy at a.txt:40 is folded into the own answer
    places = [(p.attrs["data-document"], p.attrs["data-line"]) for p in groups[0].find_all(cls="original-place")]
    assert places == [("a.txt", "10"), ("a.txt", "70"), ("a.txt", "40")]
    assert len(groups[0].find_all("li", cls="correction")) == 1  # the copy's identical correction once
    assert "通过 ZeRO 技术可以训练大模型" in groups[0].find(cls="original-explanation").text()
    quote = groups[1].find(cls="correction-quote").text()
    assert "把数据切到多张卡上" in quote


def test_json_twin_has_model_answer_original_and_grouped_originals(model_bank: None, client: TestClient) -> None:
    body = client.get("/api/questions/q-model-1").json()
    assert body["has_model_answer"] is True and body["answer"].startswith("ZeRO（Zero Redundancy Optimizer）")
    assert body["original_answer"] == COPY and body["explanation"] == ""
    assert body["original_explanation"] == "通过 ZeRO 技术可以训练大模型。"
    assert body["references"] == ["ZeRO 论文（Rajbhandari et al., SC 2020, arXiv:1910.02054）§5"]
    assert [len(group["places"]) for group in body["originals"]] == [3, 1]
    assert body["corrections"][0]["quote"] == "把模型参数分割成多个较小的子集"


def test_search_finds_words_of_the_model_answer(model_bank: None, client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "切分模型状态"}).json()
    assert "q-model-1" in [hit["id"] for hit in hits["results"]]


def test_foreign_document_still_shows_its_own_answer(model_bank: None, client: TestClient) -> None:
    questions = client.get("/api/banks").json()
    foreign = next(bank for bank in questions if not bank.get("canonical", True))
    listing = client.get(f"/api/search?q={foreign['title'][:3]}").json()  # any: we need one question id
    del listing
    from sqlmodel import Session, select

    from app.models import Question
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        question = session.exec(select(Question).where(Question.bank_id == foreign["id"])).first()
    assert question is not None
    body = client.get(f"/api/questions/{question.id}").json()
    assert body["has_model_answer"] is False and body["answer"] == body["original_answer"] != ""
    page = parse(client.get(f"/questions/{question.id}").text)
    assert page.find("section", data_answer="document") and not page.find_all("details", cls="originals")
