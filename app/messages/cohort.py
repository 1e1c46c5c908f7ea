"""Text of the cohort page (an admin's view of the group): Chinese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "nav.cohort": {"zh": "学习小组", "en": "Cohort"},
    "cohort.title": {"zh": "学习小组概况", "en": "Cohort"},
    "cohort.intro": {"zh": "只有管理员能看到本页：每位学习者的复习量与连续天数、全组最弱的概念、模拟面试得分。",
                     "en": "Only admins see this page: each learner's grades and streak, the group's weakest "
                           "concepts, and mock-interview scores."},
    "cohort.single": {"zh": "单人模式：小组只有你一人。开启团队模式（PREPLAB_ACCOUNTS=1）后，这里会列出每位学习者。",
                      "en": "Single-user mode: a cohort of one, you. In team mode (PREPLAB_ACCOUNTS=1) every learner "
                            "is listed here."},
    "cohort.learners.title": {"zh": "学习者", "en": "Learners"},
    "cohort.learners.count": {"zh": "共 {count} 人，{cards} 张卡片。", "en": "{count} learners, {cards} cards.",
                              "en_one": "1 learner, {cards} cards."},
    "cohort.col.name": {"zh": "学习者", "en": "Learner"},
    "cohort.col.role": {"zh": "角色", "en": "Role"},
    "cohort.role.admin": {"zh": "管理员", "en": "admin"},
    "cohort.role.learner": {"zh": "学习者", "en": "learner"},
    "cohort.disabled": {"zh": "已停用", "en": "disabled"},
    "cohort.col.reviews": {"zh": "近 {days} 天评分", "en": "Grades, last {days} days"},
    "cohort.col.streak": {"zh": "连续学习", "en": "Streak"},
    "cohort.streak": {"zh": "{count} 天", "en": "{count} days"},
    "cohort.streak_capped": {"zh": "{count} 天以上", "en": "{count}+ days"},
    "cohort.col.last_day": {"zh": "最近学习", "en": "Last studied"},
    "cohort.col.cards": {"zh": "卡片", "en": "Cards"},
    "cohort.col.recall": {"zh": "当前记忆率", "en": "Recall now"},
    "cohort.col.rounds": {"zh": "模拟面试", "en": "Mock rounds"},
    "cohort.col.last_score": {"zh": "最近得分", "en": "Last score"},
    "cohort.never": {"zh": "未学习", "en": "never"},
    "cohort.weakest.title": {"zh": "全组最弱的概念", "en": "The group's weakest concepts"},
    "cohort.weakest.how": {"zh": "FSRS 记忆率（此刻能回想起的概率），对全组在该概念上的所有卡片取平均，最低的在前。",
                           "en": "FSRS retrievability (the chance of recalling it now), averaged over all the "
                                 "group's cards on the concept, lowest first."},
    "cohort.weakest.none": {"zh": "还没有人复习过题目。", "en": "No one has reviewed a question yet."},
    "cohort.col.concept": {"zh": "概念", "en": "Concept"},
    "cohort.col.learners": {"zh": "学习者人数", "en": "Learners"},
    "cohort.rounds.title": {"zh": "模拟面试得分", "en": "Mock-interview scores"},
    "cohort.rounds.none": {"zh": "还没有结束的模拟面试。", "en": "No mock interview is over yet."},
    "cohort.chart.title": {"zh": "每位学习者各轮得分", "en": "Each learner's score by round"},
    "cohort.chart.round": {"zh": "轮次", "en": "Round"},
    "cohort.chart.score": {"zh": "得分", "en": "Score"},
    "cohort.col.date": {"zh": "日期", "en": "Date"},
    "cohort.col.round": {"zh": "模拟面试", "en": "Round"},
    "cohort.col.score": {"zh": "得分", "en": "Score"},
    "cohort.col.right": {"zh": "答对", "en": "Right"},
    "cohort.all_rounds": {"zh": "全部 {count} 轮", "en": "All {count} rounds"},
}
