"""A lab result made readable: labelled headers, values in units with the exact count on hover, English text.

`present(result, lang)` turns a LabResult (raw keys, bytes, floats, the labs' Chinese) into what the templates
under templates/labs/ draw; nothing here changes the stored result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.labs.charts import ChartView, chart_view
from app.labs.format import Shown, format_value, tolerance
from app.labs.labels import lab_text, label, text_key
from labs.core.schema import Check, LabResult, Table


@dataclass(frozen=True)
class Cell:
    text: str
    exact: str = ""
    numeric: bool = False


@dataclass(frozen=True)
class Column:
    key: str  # as the lab wrote it
    text: str
    unit: str
    header_unit: str = ""


@dataclass
class TableView:
    key: str  # stays the same across runs of a lab (text_key of the title): tables are compared by it
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    raw_rows: list[list[Any]] = field(default_factory=list)

    def row_label(self, index: int) -> str:
        return self.rows[index][0].text if self.rows[index] else ""


@dataclass(frozen=True)
class CheckView:
    key: str
    claim: str
    predicted: Shown
    measured: Shown
    tolerance: str
    passed: bool
    raw: Check


@dataclass
class ResultDisplay:
    tables: list[TableView]
    checks: list[CheckView]
    charts: list[ChartView]
    notes: list[str]
    error: str = ""


def cell(value: Any, unit: str, lang: str, *, suffix: bool = True) -> Cell:
    if isinstance(value, str):
        return Cell(lab_text(value, lang))
    shown = format_value(value, unit, suffix=suffix)
    return Cell(shown.text, shown.exact, numeric=isinstance(value, (int, float)) and not isinstance(value, bool))


def table_view(table: Table, lang: str, *, lab: str) -> TableView:
    columns = []
    for key in table.columns:
        found = label(key, lang, lab=lab)
        columns.append(Column(key=key, text=found.text, unit=found.unit, header_unit=found.header_unit))
    rows = [[cell(value, column.unit, lang, suffix=not column.header_unit) for value, column in zip(row, columns,
                                                                                                    strict=True)]
            for row in table.rows]
    return TableView(key=text_key(table.title), title=lab_text(table.title, lang), columns=columns, rows=rows,
                     raw_rows=[list(row) for row in table.rows])


def check_view(check: Check, lang: str) -> CheckView:
    return CheckView(key=text_key(check.claim), claim=lab_text(check.claim, lang),
                     predicted=format_value(check.predicted, check.unit), measured=format_value(check.measured,
                                                                                                check.unit),
                     tolerance=tolerance(check.tolerance), passed=check.passed, raw=check)


def present(result: LabResult, lang: str) -> ResultDisplay:
    """Everything a result page shows of `result`, labelled and in units, for a reader of `lang`."""
    return ResultDisplay(
        tables=[table_view(table, lang, lab=result.lab) for table in result.tables],
        checks=[check_view(check, lang) for check in result.checks],
        charts=[chart_view(chart, lang, lab=result.lab) for chart in result.charts],
        notes=[lab_text(note, lang) for note in result.notes],
        error=result.error or "",
    )
