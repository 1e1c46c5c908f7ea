"""Text of team mode: the sign-in page, the nav's signed-in user, account errors and the open-listen refusal."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "accounts.signin.title": {"zh": "登录", "en": "Sign in"},
    "accounts.signin.intro": {
        "zh": "这个 PrepLab 供一个学习小组使用：每位学习者用自己的账号登录，复习记录、笔记和模拟面试只属于自己。",
        "en": "This PrepLab serves a study group: each learner signs in with their own account, and their reviews, "
              "notes and mock interviews are theirs alone.",
    },
    "accounts.signin.name": {"zh": "用户名", "en": "User name"},
    "accounts.signin.password": {"zh": "密码", "en": "Password"},
    "accounts.signin.submit": {"zh": "登录", "en": "Sign in"},
    "accounts.signin.help": {
        "zh": "没有账号或忘记密码？请管理员用 preplab users add 或 preplab users reset-password 处理。",
        "en": "No account, or forgot your password? Ask an admin (preplab users add, preplab users reset-password).",
    },
    "accounts.signin.other_language": {"zh": "English", "en": "中文"},
    "accounts.signin.required": {"zh": "请先登录。", "en": "Please sign in first."},
    "accounts.signed_out": {"zh": "你已退出登录。", "en": "You have signed out."},
    "accounts.nav.signed_in_as": {"zh": "已登录：{name}", "en": "Signed in as {name}"},
    "accounts.nav.admin": {"zh": "管理员", "en": "admin"},
    "accounts.nav.sign_out": {"zh": "退出登录", "en": "Sign out"},
    "accounts.error.generic": {"zh": "账号操作失败。", "en": "The account operation failed."},
    "accounts.error.bad_name": {
        "zh": "用户名「{name}」无效：需 1–80 个字符，只能包含文字、数字和 . _ - @，不能有空格。",
        "en": "The user name '{name}' is not valid: 1–80 characters, letters, digits and . _ - @ only, no spaces.",
    },
    "accounts.error.name_taken": {"zh": "用户名「{name}」已存在。", "en": "The user name '{name}' is taken."},
    "accounts.error.unknown_user": {"zh": "没有名为「{name}」的用户。", "en": "There is no user named '{name}'."},
    "accounts.error.weak_password": {
        "zh": "密码需要 {minimum} 到 {maximum} 个字符，且不能全是空白。",
        "en": "The password needs {minimum} to {maximum} characters, not all of them blank.",
    },
    "accounts.error.bad_credentials": {
        "zh": "用户名或密码不正确（或账号已停用）。",
        "en": "Wrong user name or password (or the account is disabled).",
    },
    "accounts.error.too_many": {
        "zh": "登录失败次数过多，请在 {wait} 后再试。",
        "en": "Too many failed sign-ins: try again in {wait}.",
    },
    "accounts.error.missing_field": {"zh": "请填写「{field}」。", "en": "Please fill in '{field}'."},
    "accounts.error.signed_out": {
        "zh": "需要登录：请求没有有效的登录会话（可能已过期或已退出）。",
        "en": "Sign-in required: the request has no valid session (it may have expired or been signed out).",
    },
    "accounts.error.admin_only": {"zh": "只有管理员可以这样做。", "en": "Only an admin can do this."},
    "accounts.open.refused": {
        "zh": "拒绝在 {host} 上监听：未开启账号（PREPLAB_ACCOUNTS）时，能访问这个地址的任何人都会使用唯一本地用户的"
              "数据。请开启账号（PREPLAB_ACCOUNTS=1），或改为监听 127.0.0.1，或确实需要时设置 PREPLAB_ALLOW_OPEN=1。",
        "en": "Refusing to listen on {host}: with accounts off (PREPLAB_ACCOUNTS), anyone who can reach this address "
              "uses the one local user's data. Turn accounts on (PREPLAB_ACCOUNTS=1), listen on 127.0.0.1, or, if "
              "you mean it, set PREPLAB_ALLOW_OPEN=1.",
    },
}
