"""Text of the refusals that guard PrepLab (foreign hosts, cross-site requests, oversized bodies, bad input)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "security.bad_host": {
        "zh": "拒绝访问：PrepLab 不接受发往主机名「{host}」的请求（允许的主机名见 PREPLAB_ALLOWED_HOSTS）。",
        "en": "Refused: PrepLab does not answer requests for the host name '{host}' (see PREPLAB_ALLOWED_HOSTS).",
    },
    "security.cross_site": {
        "zh": "已拒绝：这个请求来自另一个网站（{origin}），不是 PrepLab 自己的页面，没有做任何修改。",
        "en": "Refused: this request came from another site ({origin}), not from PrepLab's own pages; nothing "
              "was changed.",
    },
    "security.csrf": {
        "zh": "已拒绝：请求缺少有效的 CSRF 令牌，无法确认它来自 PrepLab 自己的页面，没有做任何修改。请刷新页面后重试。",
        "en": "Refused: the request has no valid CSRF token, so it cannot be shown to come from PrepLab's own pages; "
              "nothing was changed. Reload the page and try again.",
    },
    "security.bad_form": {
        "zh": "无法读取表单内容（编码或格式有误），没有做任何修改。",
        "en": "The form could not be read (bad encoding or format); nothing was changed.",
    },
    "security.too_large": {
        "zh": "请求体太大：此地址最多接受 {limit}，没有做任何修改。",
        "en": "Request body too large: this address accepts at most {limit}; nothing was changed.",
    },
    "security.title": {"zh": "请求被拒绝", "en": "Request refused"},
    "security.home": {"zh": "回到 PrepLab 首页", "en": "Back to PrepLab"},
    "input.invalid": {"zh": "输入无效", "en": "Invalid input"},
    "input.field": {"zh": "字段「{field}」：{message}", "en": "field '{field}': {message}"},
    "input.surrogate": {
        "zh": "文本含有无法保存的字符（孤立的 UTF-16 代理项）",
        "en": "the text holds a character that cannot be stored (a lone UTF-16 surrogate)",
    },
    "input.nul": {"zh": "不能包含 NUL 字符", "en": "must not contain a NUL character"},
}
