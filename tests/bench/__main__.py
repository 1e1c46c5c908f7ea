"""`make bench`: PrepLab's benchmarks, each figure printed beside a baseline measured in the same run, then issue
11's targets with PASS/FAIL. On a shared or busy machine the figures move; run it on a quiet one."""

from __future__ import annotations

from tests.bench import cold_start, import_speed, load, search_latency, team_load, web_throughput
from tests.bench.targets import Target, report

if __name__ == "__main__":
    targets: list[Target] = []
    import_speed.main()
    for bench in (search_latency, web_throughput, cold_start, load, team_load):
        print()
        targets += bench.main()
    print()
    report(targets)
