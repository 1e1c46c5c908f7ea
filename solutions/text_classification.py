"""A BERT text classifier, trained and evaluated: the reference solution to q-be91b9261a
(请使用BERT模型实现一个文本分类器).

    python -m solutions.text_classification      # about 5 s on CPU (mostly importing transformers), nothing downloaded

What was wrong with the document's snippet:
- `outputs.pooler_output_hidden_state` does not exist. BertModel returns `last_hidden_state` (every token) and
  `pooler_output` (tanh(W h_[CLS]), the sentence vector BERT's next-sentence head was trained on); the first
  forward call raises AttributeError.
- It imports BertTokenizer and never uses it: nothing turns text into input_ids and attention_mask.
- The answer promises training and evaluation (loss, accuracy, recall), but the code stops at `model = ...`:
  no loss, no optimizer, no loop, no eval mode, no metrics.
- `from_pretrained('bert-base-chinese')` downloads ~400 MB; without a network (as in CI) it raises OSError.

This version keeps the snippet's design (BertModel + dropout + a linear head on pooler_output, cross-entropy)
and adds what was missing. To stay small and offline it builds a tiny BERT from a BertConfig and a character
vocabulary from the training texts (bert-base-chinese's vocabulary is also one token per Chinese character).
With real weights only two lines change, and the learning rate drops to fine-tuning size (2e-5 to 5e-5):

    tokenizer = BertTokenizer.from_pretrained("bert-base-chinese")
    model = TextClassifier(BertModel.from_pretrained("bert-base-chinese"), num_classes=2)

`AutoModelForSequenceClassification.from_pretrained(name, num_labels=2)` is the same head, ready-made.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import BertConfig, BertModel, BertTokenizer

QUESTION_ID = "q-be91b9261a"
ORIGINAL_DEFECTS = (
    "`outputs.pooler_output_hidden_state` 不存在：BertModel 的输出是 `pooler_output`（[CLS] 向量经 tanh 池化）"
    "与 `last_hidden_state`，第一次前向就会 AttributeError。",
    "导入了 BertTokenizer 却从未分词，没有构造 input_ids 与 attention_mask。",
    "只有模型定义：没有损失函数、优化器、训练循环、eval 模式和评估指标，与答案列出的四个步骤不符。",
    "`from_pretrained('bert-base-chinese')` 要联网下载约 400 MB 权重，离线环境直接报 OSError。",
)

# (text, label): 1 = positive review, 0 = negative review.
TRAIN = [
    ("这部电影太好看了", 1), ("剧情精彩演员也很棒", 1), ("我非常喜欢这个故事", 1), ("画面很美音乐动人", 1),
    ("值得再看一遍", 1), ("导演拍得真好", 1), ("演技在线很感人", 1), ("结局让人满意", 1),
    ("今年最好的电影", 1), ("笑点很多非常开心", 1), ("故事动人值得推荐", 1), ("音乐和画面都很棒", 1),
    ("剧情太差了", 0), ("演员演技很烂", 0), ("浪费时间不推荐", 0), ("故事无聊让人失望", 0),
    ("画面粗糙音乐难听", 0), ("看得我想睡觉", 0), ("导演拍得真差", 0), ("结局很烂很失望", 0),
    ("今年最差的电影", 0), ("笑点尴尬非常无聊", 0), ("故事混乱不值得看", 0), ("音乐和画面都很差", 0),
]
TEST = [
    ("演员很棒剧情精彩", 1), ("非常感人值得推荐", 1), ("音乐很美我喜欢", 1), ("真好看", 1),
    ("剧情无聊很失望", 0), ("演技太烂了", 0), ("画面很差不推荐", 0), ("真难看想睡觉", 0),
]
LABELS = ("负面", "正面")


@dataclass(frozen=True)
class Config:
    seed: int = 0
    hidden_size: int = 64  # bert-base: 768
    num_layers: int = 2  # bert-base: 12
    num_heads: int = 4  # bert-base: 12
    max_length: int = 32  # truncate longer texts; bert-base allows 512
    batch_size: int = 8
    epochs: int = 30
    learning_rate: float = 1e-3  # from scratch; fine-tuning pretrained BERT wants 2e-5 to 5e-5
    dropout: float = 0.1


class TextClassifier(nn.Module):
    """BERT encoder + dropout + linear head on the pooled [CLS] vector (the snippet's design, fixed)."""

    def __init__(self, bert: BertModel, num_classes: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.bert = bert
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(bert.config.hidden_size, num_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        outputs = self.bert(input_ids=input_ids, attention_mask=attention_mask)
        return self.classifier(self.dropout(outputs.pooler_output))  # not `pooler_output_hidden_state`


def build_tokenizer(texts: list[str]) -> BertTokenizer:
    """A BERT WordPiece tokenizer over the characters of `texts`; unseen characters become [UNK]."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    characters = sorted({char for text in texts for char in text})
    return BertTokenizer(vocab={token: index for index, token in enumerate(specials + characters)})


def encode(tokenizer: BertTokenizer, texts: list[str], config: Config) -> dict[str, torch.Tensor]:
    return tokenizer(texts, padding=True, truncation=True, max_length=config.max_length, return_tensors="pt")


def build_model(tokenizer: BertTokenizer, config: Config) -> TextClassifier:
    bert_config = BertConfig(vocab_size=len(tokenizer), hidden_size=config.hidden_size,
                             num_hidden_layers=config.num_layers, num_attention_heads=config.num_heads,
                             intermediate_size=4 * config.hidden_size, max_position_embeddings=config.max_length,
                             hidden_dropout_prob=config.dropout, attention_probs_dropout_prob=config.dropout,
                             pad_token_id=tokenizer.pad_token_id)
    return TextClassifier(BertModel(bert_config), num_classes=len(LABELS), dropout=config.dropout)


def train(model: TextClassifier, tokenizer: BertTokenizer, config: Config) -> None:
    texts, labels = [text for text, _ in TRAIN], torch.tensor([label for _, label in TRAIN])
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    loss_fn = nn.CrossEntropyLoss()
    order_generator = torch.Generator().manual_seed(config.seed)
    for epoch in range(1, config.epochs + 1):
        model.train()
        total, seen = 0.0, 0
        for batch in torch.randperm(len(texts), generator=order_generator).split(config.batch_size):
            inputs = encode(tokenizer, [texts[i] for i in batch], config)
            logits = model(inputs["input_ids"], inputs["attention_mask"])
            loss = loss_fn(logits, labels[batch])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total, seen = total + loss.item() * len(batch), seen + len(batch)
        if epoch == 1 or epoch % 5 == 0:
            print(f"epoch {epoch:2d}  train loss {total / seen:.4f}")


@torch.no_grad()
def predict(model: TextClassifier, tokenizer: BertTokenizer, texts: list[str], config: Config) -> torch.Tensor:
    model.eval()  # dropout off
    inputs = encode(tokenizer, texts, config)
    return model(inputs["input_ids"], inputs["attention_mask"]).softmax(dim=-1)


def report(probabilities: torch.Tensor, labels: list[int]) -> None:
    """Accuracy, and precision / recall / F1 of the positive class, from the confusion counts."""
    predicted = probabilities.argmax(dim=-1).tolist()
    pairs = list(zip(predicted, labels, strict=True))
    true_pos = sum(p == 1 and y == 1 for p, y in pairs)
    false_pos = sum(p == 1 and y == 0 for p, y in pairs)
    false_neg = sum(p == 0 and y == 1 for p, y in pairs)
    accuracy = sum(p == y for p, y in pairs) / len(pairs)
    precision = true_pos / max(true_pos + false_pos, 1)
    recall = true_pos / max(true_pos + false_neg, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    print(f"test accuracy {accuracy:.3f}  precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")


def main() -> None:
    config = Config()
    torch.manual_seed(config.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # tiny tensors: more threads only add overhead, and results then vary with core count
    tokenizer = build_tokenizer([text for text, _ in TRAIN])
    model = build_model(tokenizer, config)
    print(f"vocabulary {len(tokenizer)} tokens, model {sum(p.numel() for p in model.parameters()):,} parameters")
    sample = encode(tokenizer, [TEST[0][0]], config)
    print("tokens of the first test text:", " ".join(tokenizer.convert_ids_to_tokens(sample["input_ids"][0].tolist())))
    train(model, tokenizer, config)
    test_texts, test_labels = [text for text, _ in TEST], [label for _, label in TEST]
    probabilities = predict(model, tokenizer, test_texts, config)
    for text, label, probs in zip(test_texts, test_labels, probabilities.tolist(), strict=True):
        guess = max(range(len(LABELS)), key=lambda index: probs[index])
        mark = "✓" if guess == label else "✗"
        print(f"{mark} {text}  ->  {LABELS[guess]} (p={probs[guess]:.2f}, gold {LABELS[label]})")
    report(probabilities, test_labels)


if __name__ == "__main__":
    main()
