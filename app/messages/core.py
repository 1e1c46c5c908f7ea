"""Core interface text (layout, home, errors): Chinese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "app.name": {"zh": "PrepLab 面试备考", "en": "PrepLab"},
    "app.tagline": {
        "zh": "大模型训练面试题库：知识库、间隔复习、模拟面试与可运行的 GPU 实验",
        "en": "LLM-training interview prep: knowledge base, spaced repetition, mock interviews, GPU labs",
    },
    "nav.home": {"zh": "首页", "en": "Home"},
    "nav.dashboard": {"zh": "学习概览", "en": "Dashboard"},
    "nav.browse": {"zh": "知识库", "en": "Browse"},
    "nav.review": {"zh": "复习", "en": "Review"},
    "nav.quiz": {"zh": "测验", "en": "Quiz"},
    "nav.search": {"zh": "搜索", "en": "Search"},
    "nav.settings": {"zh": "设置", "en": "Settings"},
    "nav.skip": {"zh": "跳到正文", "en": "Skip to content"},
    "theme.toggle": {"zh": "切换明暗主题", "en": "Toggle light/dark theme"},
    "lang.switch": {"zh": "English", "en": "中文"},
    "home.banks": {"zh": "题库", "en": "Question banks"},
    "home.empty": {
        "zh": "还没有导入题库。运行 `preplab import` 导入 content/ 中的题库。",
        "en": "No banks yet. Run `preplab import` to load the banks in content/.",
    },
    "home.total": {"zh": "共 {count} 题", "en": "{count} questions"},
    "home.retired": {"zh": "{count} 题已停用", "en": "{count} retired"},
    "kind.mcq": {"zh": "选择题", "en": "Multiple choice"},
    "kind.open": {"zh": "问答题", "en": "Open"},
    "kind.code": {"zh": "编程题", "en": "Coding"},
    "bank.canonical": {"zh": "标准题库", "en": "Canonical bank"},
    "bank.foreign": {"zh": "外部文档", "en": "Imported document"},
    "error.title": {"zh": "出错了", "en": "Something went wrong"},
    "error.not_found": {"zh": "页面不存在", "en": "Page not found"},
    "error.no_such_page": {"zh": "这个地址没有页面。可以从上方的导航重新开始。",
                           "en": "There is no page at this address. Start again from the menu above."},
}
