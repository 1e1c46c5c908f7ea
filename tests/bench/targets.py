"""Issue 11's targets, each printed with the figure measured in this run: `make bench` ends with the list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    figure: str  # what was measured, with its unit (and the baseline it is a ratio of)
    goal: str
    passed: bool

    def line(self) -> str:
        return f"  {'PASS' if self.passed else 'FAIL'}  {self.name:<44} {self.figure:<42} target {self.goal}"


def report(targets: list[Target]) -> None:
    print("targets (issue 11):")
    for target in targets:
        print(target.line())
    passed = sum(target.passed for target in targets)
    print(f"  {passed} of {len(targets)} targets met")
