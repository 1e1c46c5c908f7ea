"""Numbers in the units people read: bytes as GiB/MiB, times in ms or s, fractions as %, a few significant digits.

Every formatter returns the short text and, where the short text rounds, the exact value for a hover title.
static/js/labs.js formats chart ticks and tooltips by the same unit names (its `formatValue`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Units a lab may write, mapped to (canonical unit, factor to it): charts in "MB" become bytes, shown in GiB.
UNIT_ALIASES: dict[str, tuple[str, float]] = {
    "bytes": ("bytes", 1.0), "byte": ("bytes", 1.0), "B": ("bytes", 1.0),
    "KB": ("bytes", 1e3), "MB": ("bytes", 1e6), "GB": ("bytes", 1e9), "TB": ("bytes", 1e12),
    "KiB": ("bytes", 2.0**10), "MiB": ("bytes", 2.0**20), "GiB": ("bytes", 2.0**30),
    "ms": ("ms", 1.0), "s": ("s", 1.0), "us": ("ms", 1e-3), "µs": ("ms", 1e-3),
    "fraction": ("fraction", 1.0), "%": ("percent", 1.0), "percent": ("percent", 1.0),
    "count": ("count", 1.0), "params": ("count", 1.0), "tokens": ("count", 1.0),
    "tok/s": ("tok/s", 1.0), "tokens/s": ("tok/s", 1.0), "TFLOP/s": ("TFLOP/s", 1.0), "tflops": ("TFLOP/s", 1.0),
    "×": ("times", 1.0), "x": ("times", 1.0), "ratio": ("ratio", 1.0), "relative error": ("sci", 1.0),
    "int": ("int", 1.0), "loss": ("plain", 1.0), "": ("plain", 1.0),
    "flops": ("flops", 1.0), "FLOPs": ("flops", 1.0), "GFLOPs": ("flops", 1e9), "TFLOPs": ("flops", 1e12),
    "FLOPs/token": ("flops", 1.0),
}
# Units whose cells all carry the same suffix: the table header names it once instead.
HEADER_UNITS = {"tok/s": "tok/s", "TFLOP/s": "TFLOP/s", "times": "×"}


@dataclass(frozen=True)
class Shown:
    text: str
    exact: str = ""  # for the title attribute; empty when the text is already exact

    def __str__(self) -> str:
        return self.text


def canonical(unit: str) -> tuple[str, float]:
    """(canonical unit, factor) for a unit as labs write it; an unknown unit is kept as a plain suffix."""
    return UNIT_ALIASES.get(unit.strip(), (unit.strip(), 1.0))


def significant(value: float, digits: int = 3) -> str:
    """`value` to `digits` significant digits, in fixed notation with thousands separators (no 1.2e+04); the
    digits left of the point are never rounded away (123,457, not 123,000)."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    places = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{round(value, places):,.{places}f}"


def _grouped(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.10g}"


def _trimmed(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bytes(value: float) -> Shown:
    exact = f"{_grouped(round(value))} bytes"
    if abs(value) >= 1e9:
        exact += f" = {significant(value / 1e9, 4)} GB"
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(value) >= size:
            return Shown(f"{significant(value / size)} {unit}", exact)
    return Shown(f"{_grouped(round(value))} B", "")


def _milliseconds(value: float) -> Shown:
    if abs(value) >= 1000:
        return Shown(f"{significant(value / 1000)} s", f"{value:.10g} ms")
    if 0 < abs(value) < 1:
        return Shown(f"{significant(value * 1000)} µs", f"{value:.10g} ms")
    return Shown(f"{significant(value)} ms", f"{value:.10g} ms" if significant(value) != f"{value:.10g}" else "")


def _seconds(value: float) -> Shown:
    if 0 < abs(value) < 1:
        return _milliseconds(value * 1000)
    if abs(value) >= 120:
        return Shown(f"{significant(value / 60)} min", f"{value:.10g} s")
    return Shown(f"{significant(value)} s", "")


def _count(value: float) -> Shown:
    if not float(value).is_integer():
        return Shown(significant(value, 4), f"{value:.10g}")
    for suffix, size in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if abs(value) >= size:
            return Shown(f"{significant(value / size, 4)} {suffix}", _grouped(value))
    return Shown(_grouped(value))


def _sci(value: float) -> Shown:
    if value == 0:
        return Shown("0")
    exponent = math.floor(math.log10(abs(value)))
    if -3 <= exponent < 4:
        return Shown(significant(value), f"{value:.10g}")
    mantissa = value / 10**exponent
    superscript = str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return Shown(f"{mantissa:.3g} × 10{superscript}", f"{value:.10g}")


def _flops(value: float) -> Shown:
    for prefix, size in (("E", 1e18), ("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return Shown(f"{significant(value / size)} {prefix}FLOP", f"{_grouped(round(value))} FLOP")
    return Shown(f"{_grouped(round(value))} FLOP")


def _plain(value: float) -> Shown:
    if float(value).is_integer() and abs(value) < 1e15:
        return Shown(_grouped(value) if abs(value) >= 1e4 else f"{value:.0f}")
    if abs(value) < 1e-3 or abs(value) >= 1e7:
        return _sci(value)
    text = _trimmed(significant(value, 4))
    return Shown(text, f"{value:.10g}" if text.replace(",", "") != f"{value:.10g}" else "")


def format_value(value: object, unit: str = "", *, suffix: bool = True) -> Shown:
    """One value for people; `suffix=False` leaves out a unit the column header already names."""
    shown = _format(value, unit, suffix=suffix)
    return Shown(shown.text) if shown.exact and _same(shown, value, unit) else shown


def _same(shown: Shown, value: object, unit: str) -> bool:
    """Whether the short text already says the exact value (1.00 for 1, 0% for 0): then no hover is needed."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    digits = shown.text.replace(",", "").rstrip("%× ").split(" ")[0]
    try:
        number = float(digits)
    except ValueError:
        return False
    kind, factor = canonical(unit)
    scale = 100.0 if kind == "fraction" else (1.0 if kind not in ("bytes", "ms", "s") else None)
    return scale is not None and shown.text.split(" ")[-1] not in ("k", "M", "B", "T") and math.isclose(
        number, float(value) * factor * scale, rel_tol=0, abs_tol=1e-12)


def _format(value: object, unit: str, *, suffix: bool) -> Shown:
    if value is None:
        return Shown("—")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Shown(str(value))
    if not math.isfinite(value):
        return Shown("∞" if value > 0 else ("−∞" if value < 0 else "NaN"))
    kind, factor = canonical(unit)
    number = float(value) * factor
    if kind == "bytes":
        return _bytes(number)
    if kind == "ms":
        return _milliseconds(number)
    if kind == "s":
        return _seconds(number)
    if kind in ("fraction", "percent"):
        percent = number * 100 if kind == "fraction" else number
        return Shown(f"{'0' if percent == 0 else significant(percent)}%", f"{value:.10g}" if kind == "fraction" else "")
    if kind == "count":
        return _count(number)
    if kind == "int":
        return Shown(f"{number:.0f}" if number.is_integer() else f"{number:.10g}")
    if kind == "sci":
        return _sci(number)
    if kind == "flops":
        return _flops(number)
    if kind in HEADER_UNITS or kind == "ratio":
        shown = _count(round(number)) if kind == "tok/s" else Shown(significant(number), f"{number:.10g}")
        label = HEADER_UNITS.get(kind, "")
        if suffix and label:
            return Shown(f"{shown.text}{'' if kind == 'times' else ' '}{label}", shown.exact)
        return shown
    shown = _plain(number)
    return Shown(f"{shown.text} {unit}" if suffix and kind != "plain" else shown.text, shown.exact)


def tolerance(value: float) -> str:
    """A check's relative tolerance (0.05) as people say it (±5%)."""
    return f"±{value * 100:.3g}%"
