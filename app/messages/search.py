"""Search page text: Chinese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "search.title": {"zh": "搜索题库", "en": "Search questions"},
    "search.label": {"zh": "关键词", "en": "Search terms"},
    "search.placeholder": {"zh": "输入关键词，如：零冗余、ZeRO、混合精度、LoRA、显存",
                           "en": "Type words, e.g. ZeRO, mixed precision, LoRA (Chinese terms work too)"},
    "search.hint": {
        "zh": "边输入边出结果；多个词用空格分开，题目须包含全部词。"
              "搜索范围：题目、题干、答案、解析、选项、要点与概念别名。",
        "en": "Results update as you type; separate words with spaces and every word must occur. "
              "Searches titles, prompts, answers, explanations, options, key points and concept aliases.",
    },
    "search.submit": {"zh": "搜索", "en": "Search"},
    "search.filters": {"zh": "筛选", "en": "Filters"},
    "search.filter.topic": {"zh": "主题", "en": "Topic"},
    "search.filter.kind": {"zh": "题型", "en": "Kind"},
    "search.filter.difficulty_min": {"zh": "最低难度", "en": "Min difficulty"},
    "search.filter.difficulty_max": {"zh": "最高难度", "en": "Max difficulty"},
    "search.filter.concept": {"zh": "概念", "en": "Concept"},
    "search.filter.any": {"zh": "不限", "en": "Any"},
    "search.reset": {"zh": "清除全部", "en": "Clear all"},
    "search.count": {"zh": "找到 {total} 道题", "en": "{total} questions found"},
    "search.range": {"zh": "第 {first}–{last} 条", "en": "showing {first}–{last}"},
    "search.took": {"zh": "用时 {ms} 毫秒", "en": "{ms} ms"},
    "search.difficulty": {"zh": "难度 {value}", "en": "difficulty {value}"},
    "search.results": {"zh": "搜索结果", "en": "Search results"},
    "search.start": {"zh": "输入关键词开始搜索，中文、英文都可以，一两个字也行。",
                     "en": "Type to search, in Chinese or English; one or two characters are enough."},
    "search.examples": {"zh": "常见主题：", "en": "Popular concepts:"},
    "search.none": {"zh": "没有找到包含“{query}”的题目。", "en": "No question contains “{query}”."},
    "search.suggest": {"zh": "可以试试：", "en": "You could try:"},
    "search.suggest.clear_filters": {"zh": "去掉筛选条件（{count} 道题）",
                                     "en": "Drop the filters ({count} questions)"},
    "search.suggest.term": {"zh": "只搜“{term}”（{count} 道题）", "en": "Only “{term}” ({count} questions)"},
    "search.suggest.other_words": {
        "zh": "换个更短或更常见的说法，或换成英文/中文（如 mixed precision ↔ 混合精度）。",
        "en": "Use fewer or more common words, or the other language (mixed precision ↔ 混合精度).",
    },
    "search.pager": {"zh": "翻页", "en": "Pages"},
    "search.pager.prev": {"zh": "上一页", "en": "Previous"},
    "search.pager.next": {"zh": "下一页", "en": "Next"},
}
