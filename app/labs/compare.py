"""The learner's run beside the reference result: one table of metric / reference / mine, never one replacing the other.

Checks are matched by their claim, tables by their title's catalogue key (the title itself carries sizes), rows by
their first cell and columns by key; a metric one side lacks shows as "—".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.labs.display import Cell, ResultDisplay, TableView
from app.labs.format import Shown, format_value
from app.messages import translate
from labs.core.schema import LabResult
from labs.core.spec import LabSpec


@dataclass(frozen=True)
class CompareRow:
    metric: str
    reference: Shown | None
    mine: Shown | None
    reference_passed: bool | None = None
    mine_passed: bool | None = None
    reference_note: str = ""  # e.g. what the formula predicted for that side's size
    mine_note: str = ""


@dataclass
class CompareGroup:
    title: str
    rows: list[CompareRow] = field(default_factory=list)


@dataclass
class Comparison:
    machine: list[CompareRow]  # device, torch, duration
    params: list[CompareRow]  # only the parameters whose values differ
    groups: list[CompareGroup]  # the checks, then each table both results have


def _shown(value: Any) -> Shown:
    return Shown(str(value)) if not isinstance(value, (int, float)) or isinstance(value, bool) else format_value(value)


def _machine(reference: LabResult, mine: LabResult, lang: str) -> list[CompareRow]:
    """What besides the device (named in the table's head) sets the two runs apart."""
    return [CompareRow("torch", Shown(reference.env.torch or "—"), Shown(mine.env.torch or "—")),
            CompareRow(translate("labs.compare.duration", lang), format_value(reference.duration_s, "s"),
                       format_value(mine.duration_s, "s"))]


def _params(reference: LabResult, mine: LabResult, spec: LabSpec | None, lang: str) -> list[CompareRow]:
    rows = []
    for param in spec.params if spec else ():
        ours, theirs = mine.params.get(param.name), reference.params.get(param.name)
        if ours != theirs:
            words = param.help_en if lang == "en" and param.help_en else param.help_zh
            words = words[:1].upper() + words[1:]
            rows.append(CompareRow(f"{words} ({param.name})", _shown("—" if theirs is None else theirs),
                                   _shown("—" if ours is None else ours)))
    return rows


def _pairs(ours: list[str], theirs: list[str], kinds: tuple[list[str], list[str]] | None = None
           ) -> list[tuple[int | None, int | None]]:
    """Index pairs matching `ours` to `theirs`: equal names first, then what is left of each in order (within the
    same kind, where `kinds` gives one per item): "g × 2^-13" here still meets "g × 2^-8" there."""
    our_kinds, their_kinds = kinds or ([""] * len(ours), [""] * len(theirs))
    free: dict[str, list[int]] = {}
    for their_index, name in enumerate(theirs):
        free.setdefault(name, []).append(their_index)
    pairs: list[tuple[int | None, int | None]] = []
    for our_index, name in enumerate(ours):
        same = free.get(name)
        pairs.append((our_index, same.pop(0) if same else None))
    spare = sorted(index for indices in free.values() for index in indices)
    for position, (mine, other) in enumerate(pairs):
        if other is None and mine is not None:
            found = next((candidate for candidate in spare if their_kinds[candidate] == our_kinds[mine]), None)
            if found is not None:
                spare.remove(found)
                pairs[position] = (mine, found)
    pairs.extend((None, other) for other in spare)
    return pairs


def _checks(reference: ResultDisplay, mine: ResultDisplay, lang: str) -> CompareGroup:
    group = CompareGroup(translate("labs.checks", lang))
    predicted = translate("labs.check.predicted", lang)
    # a claim meets its own text, else the same sentence about another size (its catalogue key)
    pairs = _pairs([check.raw.claim for check in mine.checks], [check.raw.claim for check in reference.checks],
                   ([check.key for check in mine.checks], [check.key for check in reference.checks]))
    for ours, theirs in pairs:
        check = mine.checks[ours] if ours is not None else None
        other = reference.checks[theirs] if theirs is not None else None
        shown = check or other
        assert shown is not None
        group.rows.append(CompareRow(
            shown.claim, other.measured if other else None, check.measured if check else None,
            other.passed if other else None, check.passed if check else None,
            f"{predicted} {other.predicted}" if other else "", f"{predicted} {check.predicted}" if check else ""))
    return group


def _metrics(table: TableView, row: int) -> dict[str, tuple[str, Cell]]:
    """The measured values of one row: column key -> (metric name, cell); sizes and indices (unit int) left out."""
    found = {}
    for index, column in enumerate(table.columns):
        cell = table.rows[row][index]
        if column.unit != "int" and cell.numeric:
            suffix = f" ({column.header_unit})" if column.header_unit else ""
            found[column.key] = (f"{column.text}{suffix}", cell)
    return found


def _table(reference: TableView, mine: TableView) -> CompareGroup:
    group = CompareGroup(mine.title)
    rows = _pairs([str(row[0]) if row else "" for row in mine.raw_rows],
                  [str(row[0]) if row else "" for row in reference.raw_rows])
    for ours, theirs in rows:
        our_metrics = _metrics(mine, ours) if ours is not None else {}
        their_metrics = _metrics(reference, theirs) if theirs is not None else {}
        names = [mine.row_label(ours)] if ours is not None else []
        if theirs is not None and reference.row_label(theirs) not in names:
            names.append(reference.row_label(theirs))  # a row only the reference has, or one named by its size
        for key in [*our_metrics, *(key for key in their_metrics if key not in our_metrics)]:
            metric = (our_metrics.get(key) or their_metrics[key])[0]
            ref_cell, our_cell = their_metrics.get(key, ("", None))[1], our_metrics.get(key, ("", None))[1]
            group.rows.append(CompareRow(f"{' / '.join(names)} · {metric}",
                                         Shown(ref_cell.text, ref_cell.exact) if ref_cell else None,
                                         Shown(our_cell.text, our_cell.exact) if our_cell else None))
    return group


def compare(*, reference: LabResult, mine: LabResult, reference_display: ResultDisplay,
            mine_display: ResultDisplay, spec: LabSpec | None, lang: str) -> Comparison:
    """Reference and the learner's run of the same lab, metric by metric."""
    groups = [_checks(reference_display, mine_display, lang)]
    theirs = {table.key: table for table in reference_display.tables}
    for table in mine_display.tables:
        if table.key in theirs:
            group = _table(theirs[table.key], table)
            if group.rows:
                groups.append(group)
    return Comparison(machine=_machine(reference, mine, lang), params=_params(reference, mine, spec, lang),
                      groups=groups)
