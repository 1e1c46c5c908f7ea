"""A run is checked against what the device can hold before it starts: the lab's estimate against host memory,
the GPU's memory or PREPLAB_LAB_MEMORY_LIMIT_GIB; one that cannot fit is refused with both numbers, and nothing
starts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.labs import memory
from app.labs.catalog import load_catalog
from app.labs.memory import MemoryLimit, RunTooLarge, check_fits, device_limit, host_memory_bytes
from app.main import create_app
from app.settings import Settings
from tests.backends import database_url
from tests.conftest import CONTENT
from tests.csrf import as_page, page_client
from tests.study.dom import parse

GB_24 = 24 * 10**9  # "a 24 GB machine"
BIG_LORA = {"n_layer": "24", "d_model": "2560", "n_head": "20", "d_ff": "6912"}  # 1.9 billion parameters


@pytest.fixture
def small_machine(tmp_path: Path) -> Iterator[TestClient]:
    """The app on a machine that may give a lab run 24 GB (PREPLAB_LAB_MEMORY_LIMIT_GIB)."""
    settings = Settings(database_url=database_url(tmp_path / 'preplab.db'), content_dir=CONTENT,
                        lab_memory_limit_gib=GB_24 / 2**30)
    with page_client(create_app(settings)) as client:
        yield as_page(client)


def _runs(client: TestClient) -> int:
    with client.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(text("SELECT count(*) FROM lab_run WHERE NOT reference")).scalar() or 0)


def test_a_billion_parameter_lora_run_on_a_24_gb_machine_is_refused_with_both_numbers() -> None:
    spec = load_catalog().specs["lora"]
    params = spec.resolve("cpu", {name: int(value) for name, value in BIG_LORA.items()})
    with pytest.raises(RunTooLarge) as refused:
        check_fits(spec, "cpu", params, MemoryLimit(GB_24, "cpu"))
    error = refused.value
    assert error.estimate_bytes > 38 * 10**9 and error.limit.limit_bytes == GB_24
    english = error.message("en")
    assert f"({error.estimate_bytes:,} bytes)" in english and "(24,000,000,000 bytes)" in english
    assert "GiB" in english and "this machine's memory has 22.4 GiB" in english
    assert "本机内存只有 22.4 GiB" in error.message("zh")
    assert check_fits(spec, "cpu", spec.resolve("cpu", {}), MemoryLimit(GB_24, "cpu")) is not None  # the CPU size fits


def test_the_refusal_comes_before_anything_starts(small_machine: TestClient) -> None:
    answer = small_machine.post("/api/labs/lora/runs", json={"device": "cpu", "params": BIG_LORA})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "估计需要" in detail and "24,000,000,000 字节" in detail
    form = small_machine.post("/labs/lora/runs", data={"device": "cpu", **BIG_LORA})
    assert form.status_code == 422
    banner = parse(form.text).find("p", cls="lab-banner").text()
    assert "放不下" in banner and "PREPLAB_LAB_MEMORY_LIMIT_GIB 只允许 22.4 GiB（24,000,000,000 字节）" in banner
    assert parse(form.text).find(id="param-d_model").attrs["value"] == "2560"  # the form keeps what was typed
    small_machine.post("/settings/language", data={"language": "en"})
    english = small_machine.post("/api/labs/lora/runs", json={"device": "cpu", "params": BIG_LORA}).json()["detail"]
    assert english.startswith("These parameters do not fit: the run needs an estimated ")
    assert "and PREPLAB_LAB_MEMORY_LIMIT_GIB allows 22.4 GiB (24,000,000,000 bytes)." in english
    assert _runs(small_machine) == 0


def test_the_limit_is_the_host_the_gpu_or_the_setting_whichever_is_known_and_lower() -> None:
    host = host_memory_bytes()
    assert host is not None and host > 2**30
    catalog = replace(load_catalog(), cuda=True, gpu_names=("NVIDIA GeForce RTX 4090",), gpu_memory=(GB_24,))
    gpu = device_limit(catalog, "cuda")
    assert gpu == MemoryLimit(GB_24, "cuda", "NVIDIA GeForce RTX 4090")
    assert device_limit(catalog, "cpu") == MemoryLimit(host, "cpu")
    assert device_limit(catalog, "cuda", cap_gib=8) == MemoryLimit(8 * 2**30, "cap")
    assert device_limit(catalog, "cuda", cap_gib=1000) == gpu  # a setting above the device changes nothing
    assert device_limit(replace(catalog, gpu_memory=()), "cuda") is None  # unknown: no check
    spec = catalog.specs["lora"]
    with pytest.raises(RunTooLarge, match="the GPU \\(NVIDIA GeForce RTX 4090\\) has 22.4 GiB"):
        check_fits(spec, "cuda", spec.resolve("cuda", {k: int(v) for k, v in BIG_LORA.items()}), gpu)


def test_a_container_limit_below_the_physical_memory_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = tmp_path / "memory.max"
    limit.write_text("2147483648\n")
    monkeypatch.setattr(memory, "CGROUP_LIMITS", (limit,))
    assert host_memory_bytes() == 2**31
    limit.write_text("max\n")  # cgroup v2's "no limit"
    assert host_memory_bytes() == os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
