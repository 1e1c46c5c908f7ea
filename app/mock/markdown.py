"""A report as a Markdown file: the score, topics, trend and every question with the learner's answer beside the
reference, ready to keep in notes or share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from functools import partial
from typing import Any

from app.messages import translate
from app.mock.report import Report, ReportRow


def duration_text(ms: int) -> str:
    """m:ss, or h:mm:ss past an hour."""
    seconds = max(0, round(ms / 1000))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def minutes_text(settings: dict[str, Any]) -> str:
    return f"{float(settings.get('minutes', 0)):g}"


def round_title(report: Report, lang: str) -> str:
    interview = report.round.interview
    if interview.title:
        return interview.title
    preset = interview.settings.get("preset")
    if preset:
        return translate(f"mock.preset.{preset}.title", lang)
    return translate("mock.round.untitled", lang, id=interview.id)


def _translator(lang: str) -> Callable[..., str]:
    return partial(translate, lang=lang)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines()) or "> "


def _corrections(row: ReportRow, lang: str) -> list[str]:
    """The corrections of the answer, written above it as on the report page (the study catalogue's words)."""
    corrections, t = row.item.corrections, _translator(lang)
    if not corrections:
        return []
    title = (t("study.correction.title_count", count=len(corrections)) if len(corrections) > 1
             else t("study.correction.title"))
    lines = [f"**⚠ {title}** {t('study.correction.lead')}", ""]
    for number, correction in enumerate(corrections, start=1):
        lines.append(f"{number}. " + correction.text.strip().replace("\n", "\n   "))
        if correction.sources:
            joined = ("；" if lang == "zh" else "; ").join(correction.sources)
            lines.append(f"   {t('study.correction.sources', sources=joined)}")
    return [*lines, ""]


def _question(row: ReportRow, lang: str) -> list[str]:
    item, t = row.item, _translator(lang)
    question = item.question
    lines = [f"### {item.position}. {_cell(question.title)}", "",
             f"{t('mock.status.' + row.status)} · {t('kind.' + question.kind)} · {question.topic or ''} · "
             f"{t('mock.md.time', time=duration_text(row.time_ms))}", ""]
    if question.kind == "mcq":
        lines += _corrections(row, lang)
        for choice in item.choices:
            marks = ("✓" if choice.correct else " ") + ("←" if choice.label in item.chosen else "")
            lines.append(f"- [{marks.strip() or ' '}] {choice.label}. {_cell(choice.text)}")
        lines.append("")
    else:
        lines += [f"**{t('mock.md.your_answer')}**", "", _quote(item.answer.answer or t('mock.md.no_answer')), "",
                  f"**{t('mock.md.reference')}**", "", *_corrections(row, lang), question.answer.strip(), ""]
        if row.hint and row.hint.points:
            lines += [f"**{t('mock.md.key_points', covered=row.hint.likely_covered, total=row.hint.total)}**", ""]
            lines += [f"- [{'x' if point.likely else ' '}] {point.text} ({round(point.share * 100)}%)"
                      for point in row.hint.points]
            lines.append("")
    if question.explanation.strip():
        lines += [f"**{t('mock.md.explanation')}**", "", question.explanation.strip(), ""]
    elif question.kind == "mcq" and question.has_model_answer:
        lines += [f"**{t('mock.md.reference')}**", "", question.answer.strip(), ""]
    return lines


def _score_line(report: Report, t: Callable[..., str]) -> str:
    """The headline: the score, or "to grade" while open answers wait for the learner's grade (never a false 0%)."""
    ungraded = report.count("ungraded")
    if ungraded:
        return f"{t('mock.report.pending')}: " + t("mock.report.pending_line", right=report.right,
                                                    graded=report.total - ungraded, count=ungraded)
    return t("mock.report.score_line", right=report.right, total=report.total, percent=report.percent)


def report_markdown(report: Report, lang: str, zone: tzinfo) -> str:
    t = _translator(lang)
    current = report.round
    used = t("mock.md.time_used", used=duration_text(report.time_used_ms),
             minutes=minutes_text(current.interview.settings))
    started = current.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    lines = [f"# {round_title(report, lang)}", "",
             f"- {t('mock.md.started')}: {started}",
             f"- {_score_line(report, t)}", f"- {used}"]
    ungraded = report.count("ungraded")
    if ungraded:
        lines.append(f"- {t('mock.report.ungraded', count=ungraded)}")
    elif report.delta is not None:
        lines.append(f"- {t('mock.report.delta', delta=f'{report.delta:+d}')}")
    lines += ["", f"## {t('mock.report.by_topic')}", "",
              f"| {t('mock.report.topic')} | {t('mock.report.right')} | {t('mock.report.total')} | "
              f"{t('mock.report.time')} |", "|---|---:|---:|---:|"]
    lines += [f"| {_cell(line.topic or t('mock.report.no_topic'))} | {line.right} | {line.total} | "
              f"{duration_text(line.time_ms)} |" for line in report.by_topic]
    if len(report.trend) > 1:  # a trend needs earlier rounds
        lines += ["", f"## {t('mock.report.trend')}", "",
                  f"| # | {t('mock.md.started')} | {t('mock.report.score')} |", "|---|---|---:|"]
        lines += [f"| {summary.id} | {summary.started_at.astimezone(zone).strftime('%Y-%m-%d %H:%M')} | "
                  f"{summary.right}/{summary.total} "
                  f"({t('mock.report.pending') if summary.ungraded else f'{summary.percent}%'}) |"
                  for summary in report.trend]
    lines += ["", f"## {t('mock.report.questions')}", ""]
    for row in report.rows:
        lines += _question(row, lang)
    return "\n".join(lines).rstrip() + "\n"
