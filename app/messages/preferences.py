"""Text of the settings page."""

MESSAGES: dict[str, dict[str, str]] = {
    "settings.title": {"zh": "设置", "en": "Settings"},
    "settings.daily_new_limit": {"zh": "每日新卡上限", "en": "New cards per day"},
    "settings.daily_new_limit_help": {
        "zh": "每天最多引入多少道没学过的题。", "en": "How many unseen questions to introduce each day.",
    },
    "settings.desired_retention": {"zh": "目标记忆保持率", "en": "Desired retention"},
    "settings.desired_retention_help": {
        "zh": "FSRS 据此安排间隔：越高复习越频繁（0.70–0.99，推荐 0.90）。",
        "en": "FSRS schedules for this recall probability: higher means more reviews (0.70–0.99, 0.90 recommended).",
    },
    "settings.language": {"zh": "界面语言", "en": "Interface language"},
    "settings.theme": {"zh": "主题", "en": "Theme"},
    "settings.theme.auto": {"zh": "跟随系统", "en": "Follow the system"},
    "settings.theme.light": {"zh": "浅色", "en": "Light"},
    "settings.theme.dark": {"zh": "深色", "en": "Dark"},
    "settings.save": {"zh": "保存", "en": "Save"},
    "settings.saved": {"zh": "已保存。", "en": "Saved."},
    "settings.fsrs": {"zh": "FSRS 参数", "en": "FSRS parameters"},
    "settings.fsrs_default": {
        "zh": "使用 FSRS 默认参数。复习记录足够多时，运行 `preplab srs optimize` 按你的记录拟合参数。",
        "en": "Using FSRS's default parameters. With enough reviews, run `preplab srs optimize` to fit your own.",
    },
}
