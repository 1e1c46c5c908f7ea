"""The banks' topics by name (they are Chinese in the banks and in URLs): their English names for English mode."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "topic.大模型基础": {"zh": "大模型基础", "en": "LLM foundations"},
    "topic.数据准备与处理": {"zh": "数据准备与处理", "en": "Data preparation"},
    "topic.模型架构设计": {"zh": "模型架构设计", "en": "Model architecture"},
    "topic.训练算法与优化": {"zh": "训练算法与优化", "en": "Training algorithms and optimisation"},
    "topic.分布式训练与系统架构": {"zh": "分布式训练与系统架构", "en": "Distributed training and systems"},
    "topic.硬件加速与系统优化": {"zh": "硬件加速与系统优化", "en": "Hardware acceleration"},
    "topic.模型评估与调试": {"zh": "模型评估与调试", "en": "Evaluation and debugging"},
    "topic.安全与合规": {"zh": "安全与合规", "en": "Safety and compliance"},
}
