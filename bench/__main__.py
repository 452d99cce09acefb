"""`make bench`: page weight, throughput against a bare Flask app, and the other parts' benchmarks."""

from __future__ import annotations

import importlib
import json
import sys

BUDGET = {"/": 0.5, "/login": 0.5, "/registration": 0.5, "/cabinet": 0.3}


def main() -> int:
    from bench import pages

    results = pages.run()
    hello = results["hello"]["rps"]
    w = results["weight"]
    print("== page weight of / (compressed, headers included)")
    print(f"first visit  {w['first_visit_bytes'] / 1024:6.1f} KB   budget 25 KB   assets: {', '.join(w['assets'])}")
    print(f"repeat visit {w['repeat_visit_bytes'] / 1024:6.1f} KB   budget  6 KB")
    print(
        "== throughput under gunicorn (2 gthread workers × 4 threads, wrk -t2 -c32), "
        f"bare Flask hello: {hello:.0f} req/s"
    )
    for path, budget in BUDGET.items():
        r = results[path]
        print(
            f"{path:14} {r['rps']:8.0f} req/s  {r['rps'] / hello:5.2f} x hello (budget {budget} x)"
            f"   p99 {r['p99_ms']:6.1f} ms (budget 50 ms)   non-2xx {r['non_2xx']}"
        )
    for name in ("load", "scale", "callbacks", "import_charges"):
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            continue
        print(f"== {name}")
        print(json.dumps(module.run(), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
