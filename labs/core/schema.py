"""The lab result schema: the contract between labs/ and app/ (see shared DESIGN.md, "Lab result schema").

A check states a textbook claim as a number and keeps what the formula predicts apart from what the lab
measured; a lab never reports a formula's value as a measurement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1

Cell = str | int | float | bool | None


class Environment(BaseModel):
    model_config = ConfigDict(extra="allow")

    python: str
    torch: str | None = None
    cuda: str | None = None  # torch.version.cuda, None on a CPU build
    device: str  # "cpu" or "cuda"
    device_name: str  # e.g. "NVIDIA H100 80GB HBM3" or the CPU model
    gpu_count: int = 0
    world_size: int = 1
    backend: str | None = None  # nccl | gloo for distributed labs
    hostname: str | None = None


class Table(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[Cell]]

    @model_validator(mode="after")
    def _rows_fit_columns(self) -> Table:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.title!r}: row {row!r} does not have {len(self.columns)} cells")
        return self


class Series(BaseModel):
    name: str
    values: list[float | None]
    unit: str = ""


class Chart(BaseModel):
    title: str
    kind: Literal["line", "bar"]
    x: list[float | int | str]
    x_label: str = ""
    y_label: str = ""
    series: list[Series]

    @model_validator(mode="after")
    def _series_fit_x(self) -> Chart:
        for series in self.series:
            if len(series.values) != len(self.x):
                raise ValueError(f"chart {self.title!r}: series {series.name!r} has {len(series.values)} values "
                                 f"for {len(self.x)} x points")
        return self


class Check(BaseModel):
    """A claim with the value a formula predicts and the value measured; passed = within tolerance."""

    claim: str
    predicted: float
    measured: float
    unit: str = ""
    tolerance: float = Field(ge=0, description="relative tolerance, e.g. 0.05 for 5%")
    passed: bool

    @classmethod
    def compare(
        cls, claim: str, predicted: float, measured: float, *, unit: str = "", tolerance: float = 0.05
    ) -> Check:
        scale = max(abs(predicted), 1e-12)
        return cls(claim=claim, predicted=predicted, measured=measured, unit=unit, tolerance=tolerance,
                   passed=abs(measured - predicted) / scale <= tolerance)


class LabResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    lab: str
    version: str
    params: dict[str, Any]
    env: Environment
    started_at: datetime
    duration_s: float = Field(ge=0)
    command: str | None = None  # the exact command line that produced this result
    status: Literal["ok", "oom", "error"] = "ok"
    error: str | None = None
    tables: list[Table] = Field(default_factory=list)
    charts: list[Chart] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def all_passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)
