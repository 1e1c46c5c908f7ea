"""Lab numbers in the units people read: bytes in GiB with the exact count for the hover, ms or s, fractions as %."""

from __future__ import annotations

import pytest

from app.labs.format import format_value, significant, tolerance


@pytest.mark.parametrize(("value", "unit", "text", "exact"), [
    (17_181_966_336, "bytes", "16.0 GiB", "17,181,966,336 bytes = 17.18 GB"),
    (17181.966336, "MB", "16.0 GiB", "17,181,966,336 bytes = 17.18 GB"),  # charts write MB; shown as GiB
    (645_064, "bytes", "630 KiB", "645,064 bytes"),
    (512, "bytes", "512 B", ""),
    (276.9, "ms", "277 ms", "276.9 ms"),
    (1234.5, "ms", "1.23 s", "1234.5 ms"),
    (0.0123, "s", "12.3 ms", ""),
    (50.3, "s", "50.3 s", ""),
    (0.0037471909951255667, "fraction", "0.375%", "0.003747190995"),
    (0.0, "fraction", "0%", ""),
    (1.0, "fraction", "100%", ""),
    (168_313_856, "params", "168.3 M", "168,313,856"),
    (157_696, "count", "157,696", ""),
    (0.00048804294783622026, "relative error", "4.88 × 10⁻⁴", "0.0004880429478"),
    (59169.3, "tok/s", "59,169 tok/s", ""),
    (39.0874, "TFLOP/s", "39.1 TFLOP/s", "39.0874"),
    (1.9999999702013156, "×", "2.00×", "1.99999997"),
    (1.0, "ratio", "1.00", ""),
    (10.567282676696777, "", "10.57", "10.56728268"),
    (8192, "int", "8192", ""),
    (None, "bytes", "—", ""),
    ("fp32", "bytes", "fp32", ""),
])
def test_values_read_in_their_units(value: object, unit: str, text: str, exact: str) -> None:
    shown = format_value(value, unit)
    assert (shown.text, shown.exact) == (text, exact)


def test_a_header_can_carry_the_unit_instead_of_every_cell() -> None:
    assert format_value(39.0874, "TFLOP/s", suffix=False).text == "39.1"
    assert format_value(17_181_966_336, "bytes", suffix=False).text == "16.0 GiB"  # bytes scale per cell


def test_significant_digits_and_tolerances() -> None:
    assert significant(0.0037471909951255667) == "0.00375"
    assert significant(123456.7) == "123,457"
    assert (tolerance(0.05), tolerance(0.0), tolerance(0.1), tolerance(0.005)) == ("±5%", "±0%", "±10%", "±0.5%")
