"""`make bench`: PrepLab's benchmarks, each printed beside a baseline measured in the same run."""

from __future__ import annotations

from tests.bench import import_speed, search_latency, web_throughput

if __name__ == "__main__":
    import_speed.main()
    print()
    search_latency.main()
    print()
    web_throughput.main()
