"""What the planner's page shows: its form (fields in words, with units and ranges) and a plan's numbers as people
read them (GiB, with the exact bytes on hover), the stacked bar and the verdict for every GPU."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from app.labs.format import Shown, format_value
from app.messages import MESSAGES, translate
from app.planner.inputs import FIELDS, GPUS, ParsedInput, text_of
from app.planner.schemas import command_line
from app.planner.service import Plan, Term

GROUPS = ("model", "custom", "train", "parallel", "infer", "budget")
UNITS = {"seq_len": "tokens", "context": "tokens", "overhead_gib": "gib", "fragmentation_pct": "pct"}
BAR_WIDTH = 600


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str
    label: str
    value: str
    unit: str = ""
    hint: str = ""
    placeholder: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class FormGroup:
    name: str
    legend: str
    fields: tuple[FormField, ...]


def _choice_label(name: str, value: str, lang: str) -> str:
    if name == "gpu":
        return GPUS[value][0]
    key = f"planner.choice.{name}.{value}"
    return translate(key, lang) if key in MESSAGES else value


def _placeholder(name: str) -> str:
    from labs.formulas import PRESETS

    base = PRESETS["llama-2-7b"]
    return str(getattr(base, name, "")) if name in ("hidden", "layers", "heads", "kv_heads", "intermediate",
                                                       "vocab") else ""


def form_view(parsed: ParsedInput, lang: str) -> list[FormGroup]:
    groups = []
    for group in GROUPS:
        items = []
        for item in (entry for entry in FIELDS if entry.group == group):
            if item.kind in ("choice", "bool"):  # as understood; numbers as typed, so a typo stays visible
                value = text_of(getattr(parsed.values, item.name))
            else:
                value = parsed.raw.get(item.name) or ("" if item.default is None else _number_text(item.default))
            hint_key = f"planner.hint.{item.name}"
            unit_key = f"planner.unit.{UNITS.get(item.name, '')}"
            choices = item.choices or (tuple(map(str, range(4))) if item.name == "zero" else ())
            items.append(FormField(
                name=item.name, kind="choice" if choices else item.kind,
                label=translate(f"planner.field.{item.name}", lang), value=value,
                unit=translate(unit_key, lang) if unit_key in MESSAGES else "",
                hint=translate(hint_key, lang) if hint_key in MESSAGES else "", placeholder=_placeholder(item.name),
                minimum=item.minimum, maximum=item.maximum,
                choices=tuple(Choice(choice, _choice_label(item.name, choice, lang), choice == value)
                              for choice in choices)))
        groups.append(FormGroup(group, translate(f"planner.group.{group}", lang), tuple(items)))
    return groups


def _number_text(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


@dataclass(frozen=True)
class TermRow:
    key: str
    bytes: int
    name: str
    shown: Shown
    share: str
    formula: str
    detail: str
    labs: tuple[str, ...]


@dataclass(frozen=True)
class Segment:
    key: str
    name: str
    x: float
    width: float
    shown: Shown


@dataclass(frozen=True)
class FitRow:
    gpu: str
    label: str
    capacity: Shown
    fits: bool
    headroom: Shown
    chosen: bool


@dataclass
class ResultView:
    plan: Plan
    rows: list[TermRow]
    cpu_rows: list[TermRow]
    total: Shown
    verdict: str
    fits: list[FitRow]
    segments: list[Segment] = field(default_factory=list)
    capacity_x: float = 0.0
    bar_label: str = ""
    summary: str = ""
    flops: str = ""
    query: str = ""
    command: str = ""


def _row(term: Term, total: float, lang: str) -> TermRow:
    share = f"{100 * term.bytes / total:.1f}%" if total else "—"
    return TermRow(term.key, round(term.bytes), translate(f"planner.term.{term.key}", lang),
                   format_value(term.bytes, "bytes"), share, term.formula, term.detail, term.labs)


def result_view(plan: Plan, lang: str) -> ResultView:
    chosen = plan.chosen
    total = plan.total_bytes
    used = f"{100 * total / chosen.capacity_bytes:.0f}%"
    words = {"gpu": chosen.label, "total": format_value(total, "bytes").text,
             "headroom": format_value(abs(chosen.headroom_bytes), "bytes").text, "share": used}
    view = ResultView(
        plan=plan, rows=[_row(term, total, lang) for term in plan.terms],
        cpu_rows=[_row(term, 0, lang) for term in plan.cpu_terms], total=format_value(total, "bytes"),
        verdict=translate("planner.verdict.fits" if chosen.fits else "planner.verdict.too_big", lang, **words),
        fits=[FitRow(fit.gpu, fit.label, format_value(fit.capacity_bytes, "bytes"), fit.fits,
                     format_value(abs(fit.headroom_bytes), "bytes"), fit.gpu == chosen.gpu) for fit in plan.fits])
    scale = BAR_WIDTH / max(total, chosen.capacity_bytes)
    x = 0.0
    for term in plan.terms:
        width = term.bytes * scale
        view.segments.append(Segment(term.key, translate(f"planner.term.{term.key}", lang), round(x, 2),
                                     round(width, 2), format_value(term.bytes, "bytes")))
        x += width
    view.capacity_x = round(chosen.capacity_bytes * scale, 2)
    view.bar_label = translate("planner.bar.label", lang, gpu=chosen.label)
    mode = translate(f"planner.choice.mode.{plan.input.mode}", lang)
    trainable = (translate("planner.summary.trainable", lang, count=f"{plan.trainable:,}")
                 if plan.input.mode == "train" and plan.trainable != plan.params else "")
    view.summary = translate("planner.summary", lang, model=plan.shape.name, params=f"{plan.params:,}",
                             trainable=trainable, mode=mode, gpus=f"{plan.gpus:,}", count=plan.gpus)
    if plan.flops_per_token:
        view.flops = translate("planner.summary.flops", lang, flops=format_value(plan.flops_per_token, "flops").text)
    view.query = urlencode(plan.input.query())
    view.command = command_line(plan.input)
    return view
