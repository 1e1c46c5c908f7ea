"""Question answering with a GPT (decoder-only) model: the reference solution to q-63d291f968
(请使用GPT模型实现一个问答系统).

    python -m solutions.question_answering      # about 10 s on CPU, nothing downloaded

What was wrong with the document's snippet:
- `self.model(input_ids=cat([context, question]), labels=answer_input_ids)`: GPT2LMHeadModel shifts `labels`
  itself and needs them aligned with `input_ids` (same shape), so the first forward call fails on the shape
  mismatch; and since the answer never appears in the input, the model could not learn to produce it anyway.
- What it returns as `answer_log_probs` is `.logits` (unnormalised scores), and nothing generates an answer:
  a QA system needs decoding (`generate`), not just a forward pass.
- GPT-2 has no pad token, so batching fails until `pad_token` is set (usually to eos), with an attention_mask.
- A tokenizer inside an nn.Module, and `from_pretrained('gpt2')` downloads weights: offline it raises OSError.

The standard recipe, done here: write each pair as one sequence `问题：…\\n答案：…<eos>`, train with the causal-LM
loss on the answer tokens only (labels = input_ids, with prompt and padding positions set to -100), then answer
with `model.generate` from the prompt (greedy, `max_new_tokens`, stop at eos), padding prompts on the left
because a decoder-only model continues from the last position. The model is a tiny GPT2LMHeadModel built from
a GPT2Config over a character vocabulary, so it runs offline in seconds; at this size it memorises a closed
set of facts, so the evaluation asks the training questions: it checks the mechanics, not generalisation.
With a real checkpoint only the loading changes:

    tokenizer = AutoTokenizer.from_pretrained("gpt2"); tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained("gpt2")
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

QUESTION_ID = "q-63d291f968"
ORIGINAL_DEFECTS = (
    "把上下文与问题拼接后传 `labels=answer_input_ids`：GPT2LMHeadModel 要求 labels 与 input_ids 形状一致"
    "（内部自动错位一位），形状不符直接报错；答案也不在输入序列里，模型无从学会生成它。",
    "返回的 `.logits` 并不是对数概率，也没有任何解码（generate）步骤，这段代码回答不了问题。",
    "GPT-2 没有 pad token：批处理前要设 `pad_token = eos_token` 并传 attention_mask，批量生成时应左侧填充。",
    "分词器放在 nn.Module 里；`from_pretrained('gpt2')` 要联网下载，离线环境直接报 OSError。",
)

PAIRS = [
    ("ZeRO-1切分什么？", "优化器状态"),
    ("ZeRO-2切分什么？", "优化器状态和梯度"),
    ("ZeRO-3切分什么？", "优化器状态、梯度和参数"),
    ("bf16有几位指数？", "8位，与fp32相同"),
    ("fp16训练为什么要损失缩放？", "防止小梯度下溢为零"),
    ("LoRA训练哪些参数？", "低秩矩阵A和B"),
    ("张量并行切分什么？", "层内的权重矩阵"),
    ("流水线并行切分什么？", "按层切分模型"),
]
PROMPT = "问题：{question}\n答案："
EOS, PAD, UNK = "<eos>", "<pad>", "<unk>"


@dataclass(frozen=True)
class Config:
    seed: int = 0
    n_embd: int = 64  # gpt2: 768
    n_layer: int = 2  # gpt2: 12
    n_head: int = 4  # gpt2: 12
    n_positions: int = 64
    steps: int = 200
    batch_size: int = 8
    learning_rate: float = 3e-3  # from scratch; fine-tuning a pretrained GPT wants ~1e-5 to 5e-5
    max_new_tokens: int = 24


def build_tokenizer(texts: list[str]) -> PreTrainedTokenizerFast:
    """One token per character (like a byte-level BPE on a tiny corpus), with eos doubling as pad as in GPT-2."""
    characters = sorted({char for text in texts for char in text})
    vocab = {token: index for index, token in enumerate([EOS, UNK, *characters])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token=EOS, unk_token=UNK)
    tokenizer.pad_token = tokenizer.eos_token  # GPT-2 has no pad token
    return tokenizer


def training_batch(tokenizer: PreTrainedTokenizerFast, pairs: list[tuple[str, str]]) -> dict[str, torch.Tensor]:
    """input_ids / attention_mask / labels, with the loss masked (-100) everywhere but the answer and its eos."""
    tokenizer.padding_side = "right"
    prompts = [PROMPT.format(question=question) for question, _ in pairs]
    texts = [prompt + answer + EOS for prompt, (_, answer) in zip(prompts, pairs, strict=True)]
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    labels = batch["input_ids"].clone()
    for row, prompt in enumerate(prompts):
        labels[row, : len(tokenizer(prompt)["input_ids"])] = -100  # no loss on the question
    labels[batch["attention_mask"] == 0] = -100  # nor on padding (which reuses the eos id)
    return {**batch, "labels": labels}


def train(model: GPT2LMHeadModel, tokenizer: PreTrainedTokenizerFast, config: Config) -> None:
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 20))  # warmup
    generator = torch.Generator().manual_seed(config.seed)
    model.train()
    for step in range(1, config.steps + 1):
        picks = torch.randint(len(PAIRS), (config.batch_size,), generator=generator).tolist()
        batch = training_batch(tokenizer, [PAIRS[i] for i in picks])
        loss = model(**batch).loss  # the model shifts labels by one position itself
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step == 1 or step % 50 == 0:
            print(f"step {step:3d}  answer-token loss {loss.item():.4f}")


@torch.no_grad()
def answer(model: GPT2LMHeadModel, tokenizer: PreTrainedTokenizerFast, questions: list[str],
           config: Config) -> list[str]:
    """Greedy decoding from the prompts, padded on the left so every row continues from its last real token."""
    model.eval()
    tokenizer.padding_side = "left"
    prompts = tokenizer([PROMPT.format(question=q) for q in questions], padding=True, return_tensors="pt")
    generated = model.generate(**prompts, max_new_tokens=config.max_new_tokens, do_sample=False,
                               eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    new_tokens = generated[:, prompts["input_ids"].shape[1]:]  # drop the prompt
    return [text.strip() for text in tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]


def char_f1(predicted: str, gold: str) -> float:
    """SQuAD-style token F1 with characters as tokens (the usual choice for Chinese)."""
    common = sum(min(predicted.count(char), gold.count(char)) for char in set(predicted))
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def main() -> None:
    config = Config()
    torch.manual_seed(config.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # tiny tensors: more threads only add overhead, and results then vary with core count
    tokenizer = build_tokenizer([PROMPT.format(question=q) + a for q, a in PAIRS])
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=config.n_positions,
                                       n_embd=config.n_embd, n_layer=config.n_layer, n_head=config.n_head,
                                       bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
                                       pad_token_id=tokenizer.pad_token_id))
    print(f"vocabulary {len(tokenizer)} tokens, model {sum(p.numel() for p in model.parameters()):,} parameters")
    example = training_batch(tokenizer, PAIRS[:1])
    scored = tokenizer.convert_ids_to_tokens(example["input_ids"][0][example["labels"][0] != -100].tolist())
    print("loss is computed on:", "".join(scored))
    train(model, tokenizer, config)
    questions, golds = [q for q, _ in PAIRS], [a for _, a in PAIRS]
    predictions = answer(model, tokenizer, questions, config)
    for question, predicted, gold in zip(questions, predictions, golds, strict=True):
        print(f"{'✓' if predicted == gold else '✗'} {question} -> {predicted}")
    exact = sum(p == g for p, g in zip(predictions, golds, strict=True)) / len(golds)
    f1 = sum(char_f1(p, g) for p, g in zip(predictions, golds, strict=True)) / len(golds)
    print(f"exact match {exact:.3f}  char F1 {f1:.3f}  (the training questions: memorisation, not generalisation)")


if __name__ == "__main__":
    main()
