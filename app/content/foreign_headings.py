"""Whether a heading (or a line of text) asks a question or only names a section of a foreign document.

Two independent tests, both on cleaned heading text (numbering and emphasis already removed):
`reads_like_question` looks for what asks (a question mark, question words anywhere, "X 的区别"), and
`names_a_section` for what only labels a part of the document ("第一部分 …", "Part 2", "常见面试题", "总结").
A heading can pass neither ("数据并行"): whether it is a question then depends on the text below it.
"""

from __future__ import annotations

import re

_QUESTION_STARTS = ("什么", "如何", "为什么", "为何", "怎样", "怎么", "请", "简述", "谈谈", "是否")
_QUESTION_START_EN = re.compile(r"^(?:why|what|how|which|when|where|who|whether|explain|describe|compare)\b", re.I)
# Question words inside a heading that does not end with a question mark ("ZeRO 的三个阶段分别是什么").
_ASKING_WORDS = re.compile(
    r"是什么|是啥|有什么|有何|有几|哪[些种个一几类]|多少|为什么|为何|如何|怎么|怎样|能否|可否|是否"
    r"|的区别|的异同|的优缺点|的优劣|[吗呢]$"
)
_NOT_A_QUESTION = re.compile(
    r"^(?:总结|小结|结语|结论|参考|参考资料|参考文献|目录|附录|前言|引言|背景|概述|简介|导读"
    r"|summary|conclusions?|references|(?:table of )?contents|introduction|overview|background)$",
    re.I,
)
_SECTION_NAME = re.compile(
    r"^(?:第\s*[0-9一二三四五六七八九十百零〇两]+\s*(?:部分|章|节|篇|讲|课|单元|卷|周|天)"
    r"|(?:part|chapter|section|unit|lesson|module|appendix)\s*(?:[0-9]+|[ivx]+|[a-z])\b"
    r"|附录"
    r"|.{0,16}(?:面试题|面试问题|常见问题|问题集|问题列表|题目列表|题库|习题|练习题?|问答|试题|真题|FAQ|Q\s*&\s*A)"
    r"(?:集|汇总|列表|精选|整理|合集|解析|与解答|及答案|及解析)?$)",
    re.I,
)


def reads_like_question(text: str) -> bool:
    """Whether a heading or line asks something: a question mark, a question word, a "…的区别"."""
    text = text.strip()
    if not text:
        return False
    return (
        text.endswith(("？", "?"))
        or text.startswith(_QUESTION_STARTS)
        or bool(_QUESTION_START_EN.match(text))
        or bool(_ASKING_WORDS.search(text))
    )


def names_a_section(title: str) -> bool:
    """Whether a heading only labels a part of the document ("第一部分 基础概念", "常见面试题", "总结")."""
    title = title.strip()
    if title.endswith(("？", "?")):
        return False
    return bool(_NOT_A_QUESTION.match(title) or _SECTION_NAME.match(title))
