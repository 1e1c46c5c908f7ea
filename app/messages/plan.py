"""Text of the study plan and the final review: Chinese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "nav.plan": {"zh": "备考计划", "en": "Study plan"},
    "plan.title": {"zh": "备考计划", "en": "Study plan"},
    "plan.summary": {"zh": "概况", "en": "Summary"},
    "plan.days_left": {"zh": "面试日期 {date}：还有 {days} 天。", "en": "Interview on {date}: {days} days to go."},
    "plan.day_left": {"zh": "面试日期 {date}：就是明天。", "en": "Interview on {date}: 1 day to go."},
    "plan.today_is_the_day": {"zh": "面试就在今天，祝你顺利！", "en": "The interview is today. Good luck!"},
    "plan.date_passed": {"zh": "面试日期 {date} 已经过去。设一个新日期，计划会重新安排。",
                         "en": "The interview date {date} has passed. Set a new one and the plan starts over."},
    "plan.no_date": {"zh": "还没有设置面试日期。设好日期和范围，PrepLab 会按日期安排每天的新题和复习。",
                     "en": "No interview date yet. Set the date and what it covers, and PrepLab plans each day's new "
                           "questions and reviews toward it."},
    "plan.quota.needed": {
        "zh": "每天学 {quota} 道新题，面试前就能把还没学的 {unseen} 道题各见两次（第一次之后约 {lead} 天第二次）。",
        "en": "Start {quota} new questions a day to see each of the {unseen} you have not studied twice before the "
              "interview (the second time about {lead} days after the first).",
    },
    "plan.quota.too_late": {
        "zh": "离面试太近：还没学的 {unseen} 道题来不及各见两次（两次之间约需 {lead} 天）。"
              "先学最弱的概念，最后几天做冲刺复习。",
        "en": "Too close to the interview to see all {unseen} unstudied questions twice (they need about {lead} days "
              "between sights). Start with the weakest concepts and use the final review.",
    },
    "plan.quota.all_seen": {"zh": "面试范围内的 {count} 道题你都学过了：按时复习即可。",
                            "en": "You have studied all {count} questions the interview covers: keep up with reviews."},
    "plan.quota.yours": {"zh": "你现在的每日新题上限：{limit}。", "en": "Your daily new-question limit: {limit}."},
    "plan.quota.use": {"zh": "改为每天 {quota} 道", "en": "Set it to {quota} a day"},
    "plan.prepared": {"zh": "按这个计划，面试前有 {prepared} / {total} 道题会在两个不同的日子里各复习过。",
                      "en": "Following this plan, {prepared} of {total} questions will have been seen on two "
                            "different days before the interview."},
    "plan.settings": {"zh": "面试与每日上限", "en": "Interview and daily limits"},
    "plan.date": {"zh": "面试日期", "en": "Interview date"},
    "plan.date_clear_hint": {"zh": "清空日期即取消计划。", "en": "Clear the date to drop the plan."},
    "plan.topics": {"zh": "面试范围", "en": "What the interview covers"},
    "plan.topics_hint": {"zh": "不选表示全部主题；选中的主题的新题优先出现。",
                         "en": "None ticked: every topic; new questions of the ticked topics come first."},
    "plan.review_limit": {"zh": "每日复习上限", "en": "Daily review cap"},
    "plan.review_limit_help": {"zh": "积压时超过上限的卡片顺延到之后几天。",
                               "en": "After missed days, cards over the cap move to the next days."},
    "plan.forecast.title": {"zh": "接下来 {days} 天的复习量", "en": "Reviews over the next {days} days"},
    "plan.forecast.title_dated": {"zh": "到面试前每天的复习量", "en": "Reviews each day until the interview"},
    "plan.forecast.how": {
        "zh": "按 FSRS 推算：每张到期卡片当天复习并评为「良好」；每天最多复习 {cap} 张复习期卡片"
              "（超出的顺延，先复习等得最久的），每天开始 {limit} 道新题。",
        "en": "Worked out with FSRS: every due card reviewed on its day and graded Good; at most {cap} cards in review "
              "a day (the rest wait, longest-waiting first), {limit} new questions a day.",
    },
    "plan.forecast.aria": {"zh": "{days} 天的复习量预测，最多的一天 {peak} 次",
                           "en": "Forecast of {days} days; the busiest day has {peak}"},
    "plan.forecast.tooltip": {"zh": "复习 {reviews} · 学习步骤 {learning} · 新题 {new}",
                              "en": "reviews {reviews} · learning {learning} · new {new}"},
    "plan.forecast.reviews": {"zh": "复习", "en": "Reviews"},
    "plan.forecast.learning": {"zh": "学习步骤", "en": "Learning steps"},
    "plan.forecast.new": {"zh": "新题", "en": "New"},
    "plan.forecast.backlog": {"zh": "顺延", "en": "Waiting"},
    "plan.forecast.date": {"zh": "日期", "en": "Date"},
    "plan.forecast.numbers": {"zh": "逐日数字", "en": "Day by day"},
    "plan.forecast.cap_line": {"zh": "上限 {cap}", "en": "cap {cap}"},
    "plan.forecast.none": {"zh": "没有需要预测的日子。", "en": "There are no days to forecast."},
    "plan.recall.title": {"zh": "面试当天的预计记忆率", "en": "Predicted recall on the day"},
    "plan.recall.how": {
        "zh": "FSRS 对面试当天 {hour}:00 的记忆概率预测（没学过的题记为 0）。"
              "「现在停下」：从今天起不再复习；「按计划」：每天完成上面预测的复习。",
        "en": "FSRS's probability of recall at {hour}:00 on the day (questions never studied count as 0). "
              "“If you stop now”: no more reviews from today; “Following the plan”: the forecast's reviews done.",
    },
    "plan.recall.topic": {"zh": "主题", "en": "Topic"},
    "plan.recall.now": {"zh": "现在停下", "en": "If you stop now"},
    "plan.recall.with_plan": {"zh": "按计划", "en": "Following the plan"},
    "plan.concepts.title": {"zh": "按概念（最弱的在前）", "en": "By concept (weakest first)"},
    "plan.concepts.concept": {"zh": "概念", "en": "Concept"},
    "plan.concepts.seen": {"zh": "已学", "en": "Studied"},
    "plan.concepts.all": {"zh": "其余概念（共 {count} 个）", "en": "The other concepts ({count} in all)"},
    "plan.final.start": {"zh": "开始最后冲刺复习", "en": "Start the final review"},
    "plan.final.why": {"zh": "最弱概念的题目过一遍；只记为练习，不改变复习计划。",
                       "en": "One pass over the weakest concepts' questions, logged as practice: the schedule stays."},
    "plan.final.later": {"zh": "面试前 {days} 天起开放最后冲刺复习。",
                         "en": "The final review opens {days} days before the interview."},
    "plan.final.progress": {"zh": "今天已复习 {done} / {total} 题", "en": "{done} of {total} done today"},
    "plan.final.concepts": {"zh": "最弱的概念：{names}", "en": "Weakest concepts: {names}"},
    "plan.final.rule": {"zh": "冲刺复习只记为练习：评分不会改变任何卡片的到期日。",
                        "en": "The final review is practice: no grade here changes any card's due date."},
    "plan.final.logged": {"zh": "已记为练习，复习计划不变。", "en": "Logged as practice; the schedule is unchanged."},
    "plan.final.done": {"zh": "今天的冲刺复习完成了。", "en": "Today's final review is done."},
    "plan.final.nothing": {"zh": "还没有可以冲刺的概念：先复习一些题目。",
                           "en": "No weak concepts yet: review some questions first."},
    "plan.final.no_date": {"zh": "先设置面试日期。", "en": "Set the interview date first."},
    "plan.final.back": {"zh": "回到备考计划", "en": "Back to the plan"},
    "plan.error.unknown_topics": {"zh": "没有这些主题：{topics}", "en": "No such topics: {topics}"},
    "review.final.title": {"zh": "最后冲刺复习", "en": "Final review"},
    "review.final.grade": {"zh": "你记得怎么样？（只记为练习）", "en": "How well did you recall it? (practice only)"},
    "review.final.unchanged": {"zh": "计划不变", "en": "no change"},
    "review.final.keys": {"zh": "快捷键：空格 显示答案 · 1–4 评分", "en": "Keys: Space shows the answer · 1–4 grade"},
}
