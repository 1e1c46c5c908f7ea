"""`preplab import --dry-run` and `preplab convert --dry-run`: a listing of what would change, and no change."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.cli import main
from tests import forkserver
from tests.backends import database_url, sqlite_only, untouched
from tests.conftest import CONTENT, DATA, ImportInto

PAIRS = DATA / "foreign" / "pairs_bold.md"
SOURCES = CONTENT / "sources"
FROM_ALL_FIVE = {  # what convert writes per bank when given the five seeds together (see test_seed_counts)
    "000-19bd2eb347514dbd.md": 15, "001-df8376fe26b6958d.md": 15, "002-d77de37ba3de4ca3.md": 6,
    "003-bd4bf7e953bc6448.md": 7, "004-d6b2aaf431fc57a4.md": 129,
}


def preplab(*args: str, db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREPLAB_DATABASE_URL": database_url(db), "PREPLAB_CONTENT_DIR": str(CONTENT)}
    return forkserver.preplab(*args, env=env, cwd=cwd)


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in the database's folder with the SHA-256 of its bytes (a -wal or -shm file would show)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run `main()` in-process on a database file that does not exist yet; returns that file's path."""
    db = tmp_path / "db" / "preplab.db"
    db.parent.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PREPLAB_DATABASE_URL", database_url(db))
    monkeypatch.setenv("PREPLAB_CONTENT_DIR", str(CONTENT))
    return db


@sqlite_only("compares the database file's bytes")
def test_import_dry_run_leaves_a_real_database_byte_identical(
    tmp_path: Path, engine: Engine, import_into: ImportInto
) -> None:
    db = tmp_path / "preplab.db"
    import_into(SOURCES / "003_bd4bf7e953bc6448.txt")
    engine.dispose()
    before = fingerprint(tmp_path)
    assert "preplab.db" in before

    result = preplab("import", "--dry-run", str(PAIRS), str(SOURCES / "002_d77de37ba3de4ca3.txt"), db=db, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert fingerprint(tmp_path) == before
    assert "试运行：将导入 11 题" in result.stdout and "the database was not touched" in result.stdout
    # The same import for real does change the file, so the comparison above could have failed.
    assert preplab("import", str(PAIRS), db=db, cwd=tmp_path).returncode == 0
    assert fingerprint(tmp_path)["preplab.db"] != before["preplab.db"]


def test_import_dry_run_lists_each_question_with_where_what_and_whether_answered(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "notes.md"
    long_prompt = "请详细比较数据并行、张量并行、流水线并行和专家并行在显存、通信量与实现难度上的差别？"
    document.write_text(f"## 练习\n\nQ1: {long_prompt}\nA: 见下表。\n\nQ2: 什么是 FSDP？\n", encoding="utf-8")

    assert main(["import", "--dry-run", str(document)]) == 0

    out = capsys.readouterr()
    first, second, summary = out.out.splitlines()
    assert first.split()[:4] == ["notes.md:3", "open", "已答", "answered"]
    assert first.endswith(long_prompt[:39] + "…")
    assert second.split() == ["notes.md:6", "open", "未答", "unanswered", "什么是", "FSDP？"]
    assert summary.startswith("试运行：将导入 2 题（open 2），其中 1 题无答案；读取 1 个文件")
    assert "dry run: 2 questions would be imported (open 2), 1 unanswered" in summary
    assert "notes.md:6: 问题没有答案 / question has no answer" in out.err
    assert untouched(cli_env)  # not even created


def test_import_dry_run_errors_name_file_and_line_and_exit_non_zero(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("## 什么是 NCCL？\n\n<details>\n<summary>答案</summary>\n集合通信库。\n", encoding="utf-8")

    assert main(["import", "--dry-run", str(PAIRS), str(bad)]) == 2

    out = capsys.readouterr()
    assert f"{bad}:3" in out.err and "未闭合的 <details> / unclosed <details>" in out.err
    assert out.err.startswith("错误 / error: ") and out.out == ""
    assert untouched(cli_env)


def test_convert_dry_run_lists_the_seed_documents_and_writes_nothing(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "banks"
    seeds = sorted(str(path) for path in SOURCES.glob("*.txt"))

    assert main(["convert", "--dry-run", *seeds, "-o", str(out_dir)]) == 0

    lines = capsys.readouterr().out.splitlines()
    listed = [line for line in lines if ".txt:" in line.split("  ")[0]]
    planned = {
        Path(found.group(1)).name: int(found.group(2))
        for line in lines if (found := re.match(r"将写入 / would write: (.+)（(\d+) 题 / questions）$", line))
    }
    assert planned == FROM_ALL_FIVE
    assert len(listed) == sum(FROM_ALL_FIVE.values())
    assert lines[-1].startswith(f"试运行：将转换 {sum(FROM_ALL_FIVE.values())} 题")
    assert lines[-1].endswith("no file was written.")
    assert not out_dir.exists() and untouched(cli_env)


def test_convert_dry_run_needs_no_output_folder(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--dry-run", str(PAIRS)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and not any(line.startswith("将写入") for line in lines)


def test_convert_without_output_or_dry_run_is_an_error(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(PAIRS)]) == 2
    assert "-o DIR is required unless --dry-run" in capsys.readouterr().err
