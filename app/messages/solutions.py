"""Text of a coding question's reference solution and of the notice on the document's original snippet."""

MESSAGES: dict[str, dict[str, str]] = {
    "solutions.title": {"zh": "参考解答（可运行）", "en": "Reference solution (runnable)"},
    "solutions.lead": {
        "zh": "修正后的完整程序：小模型、固定随机种子、只用 CPU，不联网、不下载权重，几秒内跑完。在项目根目录运行：",
        "en": "The corrected, complete program: a tiny model, fixed seeds, CPU only, no network or downloaded weights, "
              "done in seconds. Run it from the project root:",
    },
    "solutions.output": {"zh": "上次运行的输出", "en": "Output of the last run"},
    "solutions.ran": {
        "zh": "{date} 运行，用时 {seconds} 秒 · {machine} · Python {python} · torch {torch}",
        "en": "Ran {date} in {seconds} s · {machine} · Python {python} · torch {torch}",
    },
    "solutions.failed": {
        "zh": "上次运行失败：下面是它失败前的输出。运行 `python -m solutions run {id}` 查看错误。",
        "en": "The last run failed; below is what it printed first. Run `python -m solutions run {id}` to see "
              "the error.",
    },
    "solutions.stale": {
        "zh": "源码在这次运行之后改过，输出可能已过时：运行 `python -m solutions run {id} --write` 更新。",
        "en": "The source changed after this run, so the output may be out of date: run "
              "`python -m solutions run {id} --write`.",
    },
    "solutions.original.broken": {"zh": "原始代码无法运行", "en": "The original code does not run"},
    "solutions.original.broken_lead": {
        "zh": "上面答案里的代码（来自原始文档）在 {date} 离线运行时报错：",
        "en": "The code in the answer above (from the source document) failed when run offline on {date}:",
    },
    "solutions.original.runs": {"zh": "原始代码能运行，但没有完成题目要求",
                                "en": "The original code runs but misses the task"},
    "solutions.original.runs_lead": {
        "zh": "上面答案里的代码（来自原始文档）在 {date} 运行时不报错，输出如下：",
        "en": "The code in the answer above (from the source document) ran without error on {date} and printed:",
    },
    "solutions.original.defects": {"zh": "它的问题：", "en": "What is wrong with it:"},
}
