"""`make bench`: PrepLab's benchmarks, each printed beside a baseline measured in the same run."""

from __future__ import annotations

from tests.bench.import_speed import main

if __name__ == "__main__":
    main()
