"""The defects a solution claims for the document's snippet are real: with the download problem taken away
(tiny random models instead of from_pretrained), the snippets still fail where ORIGINAL_DEFECTS says."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import transformers

from solutions.originals import original_snippet


def _run_snippet(question_id: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(original_snippet(question_id), f"<original {question_id}>", "exec"), namespace)
    return namespace


def test_bert_snippet_fails_at_the_first_forward_even_with_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    config = transformers.BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=16)
    monkeypatch.setattr(transformers.BertModel, "from_pretrained", classmethod(lambda cls, *a, **k: cls(config)))
    model = _run_snippet("q-be91b9261a")["model"]
    input_ids = torch.randint(50, (2, 6))
    with pytest.raises(AttributeError, match="pooler_output_hidden_state"):
        model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids))


def test_gpt_snippet_fails_on_misaligned_labels_even_with_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    config = transformers.GPT2Config(vocab_size=50, n_embd=16, n_layer=1, n_head=2, n_positions=32,
                                     bos_token_id=0, eos_token_id=0)
    monkeypatch.setattr(transformers.GPT2LMHeadModel, "from_pretrained", classmethod(lambda cls, *a, **k: cls(config)))
    monkeypatch.setattr(transformers.GPT2Tokenizer, "from_pretrained", classmethod(lambda cls, *a, **k: None))
    model = _run_snippet("q-63d291f968")["model"]
    context, question, answer = torch.randint(50, (1, 5)), torch.randint(50, (1, 3)), torch.randint(50, (1, 4))
    with pytest.raises(ValueError, match="batch_size"):
        model(context, question, answer)


def test_sharding_snippet_only_makes_views_of_one_tensor(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = _run_snippet("q-984b7aa009")
    shards, tensor = namespace["shards"], namespace["tensor"]
    assert all(shard.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr() for shard in shards)
    assert capsys.readouterr().out.count("torch.Size([250, 10])") == 4
    assert len(torch.chunk(torch.zeros(6, 2), 4)) == 3  # the pitfall the defects name: fewer chunks than asked
