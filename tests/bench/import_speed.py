"""Import of all of content/ into a fresh database, against reading and hashing the same files.

The target is "well under 2 s" on the 2-core CI machine. The baseline — reading every bank and
hashing its bytes — is what any importer must pay at least, so the ratio says how much parsing,
merging, tagging and the database cost on top.
"""

from __future__ import annotations

import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.content.service import import_paths
from app.db import make_engine, upgrade_database
from app.settings import PROJECT_ROOT, Settings

CONTENT = PROJECT_ROOT / "content"
ROUNDS = 5


def _timed(action: Callable[[], object], rounds: int = ROUNDS) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def _read_and_hash() -> None:
    for path in sorted((CONTENT / "banks").glob("*.md")) + [CONTENT / "concepts.yaml"]:
        hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    settings = Settings(content_dir=CONTENT)
    with tempfile.TemporaryDirectory() as folder:
        databases = iter(range(1000))

        def fresh_import() -> None:
            engine = make_engine(f"sqlite:///{Path(folder) / f'bench{next(databases)}.db'}")
            upgrade_database(engine)
            started = time.perf_counter()
            import_paths(engine, [CONTENT], settings=settings)
            fresh_import.seconds.append(time.perf_counter() - started)  # type: ignore[attr-defined]
            engine.dispose()

        fresh_import.seconds = []  # type: ignore[attr-defined]
        _timed(fresh_import)
        import_times: list[float] = fresh_import.seconds  # type: ignore[attr-defined]
        engine = make_engine(f"sqlite:///{Path(folder) / 'again.db'}")
        upgrade_database(engine)
        import_paths(engine, [CONTENT], settings=settings)
        reimport_times = _timed(lambda: import_paths(engine, [CONTENT], settings=settings))
        engine.dispose()
    baseline = statistics.median(_timed(_read_and_hash, rounds=20))
    first, again = statistics.median(import_times), statistics.median(reimport_times)
    print("import of content/ (median of 5, fresh database; excludes schema creation)")
    print(f"  baseline read+hash of the files : {baseline * 1000:8.1f} ms")
    print(f"  import into an empty database   : {first * 1000:8.1f} ms  ({first / baseline:6.1f}x baseline)"
          f"  target < 2000 ms: {'PASS' if first < 2 else 'FAIL'}")
    print(f"  re-import, nothing changed      : {again * 1000:8.1f} ms  ({again / baseline:6.1f}x baseline)")


if __name__ == "__main__":
    main()
