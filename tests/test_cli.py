"""The `preplab` command end to end, in a subprocess, on a temporary database."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests import forkserver
from tests.backends import database_url
from tests.conftest import CONTENT


def preplab(*args: str, db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREPLAB_DATABASE_URL": database_url(db), "PREPLAB_CONTENT_DIR": str(CONTENT)}
    return forkserver.preplab(*args, env=env, cwd=cwd)


def test_import_then_export_json(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    imported = preplab("import", db=db, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "新增" in imported.stdout
    out = tmp_path / "export.json"
    exported = preplab("export", "--json", "-o", str(out), db=db, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert len(document["questions"]) > 150 and len(document["concepts"]) >= 40
    to_stdout = preplab("export", "--json", db=db, cwd=tmp_path)
    assert json.loads(to_stdout.stdout) == document


def test_a_bad_file_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\npreplab: 1\nbank: bad\ntitle: 坏\n---\n\n"
                   "## 问题\n\n```yaml\nid: x\nkind: open\n```\n",
                   encoding="utf-8")
    result = preplab("import", str(bad), db=tmp_path / "cli.db", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:7" in result.stderr or "bad.md:" in result.stderr


def test_convert_writes_canonical_banks_that_import(tmp_path: Path) -> None:
    out = tmp_path / "banks"
    converted = preplab("convert", str(CONTENT / "sources" / "003_bd4bf7e953bc6448.txt"), "-o", str(out),
                        db=tmp_path / "cli.db", cwd=tmp_path)
    assert converted.returncode == 0, converted.stderr
    written = sorted(out.glob("*.md"))
    assert len(written) == 1 and written[0].read_text(encoding="utf-8").startswith("---\npreplab: 1\n")
    imported = preplab("import", str(out), db=tmp_path / "cli.db", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "共 7 题" in imported.stdout
