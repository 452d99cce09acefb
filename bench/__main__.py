"""`make bench`: page weight, issue 16's page budgets (throughput against a bare Flask app, p99, the big database),
and the other parts' benchmarks.

`BENCH_ONLY=pages` (a comma-separated list of pages, load, scale, callbacks, import_charges; default all) runs
only those. `BENCH_DBS=small` measures the pages on the small database only (default small,big). All figures,
with every round's raw wrk numbers, go to bench/results.json (or `BENCH_JSON`). The exit code is 1 when any budget
failed (everything is printed first), else 0.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("pages", "load", "scale", "callbacks", "import_charges")
WEIGHT_BUDGET_KB = {"first": 25, "repeat": 6}


def _git() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--", "vez", "bench"))}


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_pages(results: dict) -> bool:
    """The table; True when every budget holds."""
    ok = True
    w = results["weight"]
    first, repeat = w["first_visit_bytes"] / 1024, w["repeat_visit_bytes"] / 1024
    print("== page weight of / (compressed, headers included)")
    fits = first <= WEIGHT_BUDGET_KB["first"]
    ok &= fits
    print(f"first visit  {first:6.1f} KB   budget 25 KB   {_verdict(fits)}   assets: {', '.join(w['assets'])}")
    fits = repeat <= WEIGHT_BUDGET_KB["repeat"]
    ok &= fits
    print(f"repeat visit {repeat:6.1f} KB   budget  6 KB   {_verdict(fits)}")
    s = results["settings"]
    print(
        f"== pages under {s['server']}, wrk {s['wrk']}: per page and connection count, {s['rounds']} rounds of "
        f"{s['round_seconds']} s, each round hello then the page on each database in turn (after a warm-up)"
    )
    print(
        "   req/s, hello req/s: medians of the rounds; ratio: median of the rounds' page/hello; "
        "p99: median of the rounds' p99 (worst round in brackets); errors: non-2xx/3xx + socket errors"
    )
    print(
        "   recycled: the page's workers that exited during its rounds (max_requests of deploy/gunicorn.conf.py); "
        "each costs dropped requests and a tail of up to seconds (bench/README.md)"
    )
    load = results["load_average"]
    print(
        f"   load average (1/5/15 min) at the start {' '.join(f'{x:.1f}' for x in load['start'])}, at the end "
        f"{' '.join(f'{x:.1f}' for x in load['end'])} (on {os.cpu_count()} cores: above that, other work shares them)"
    )
    for label, meta in results["databases"].items():
        cached = "cached" if meta["cached"] else f"built in {meta['build_s']} s"
        held = f"{meta['accounts']:,} accounts, {meta['charges']:,} charges"
        print(f"   {label}: {held} ({meta['file_mb']} MB, {cached})")
    width = max(
        len(line["path"]) for pages in results["lines"].values() for lines in pages.values() for line in lines.values()
    )
    header = (
        f"{'db':5} {'page':{width}} {'conns':>5} {'req/s':>7} {'hello':>7} {'ratio':>6} {'budget':>7}"
        f" {'p99 ms':>7} {'(worst)':>9} {'budget':>7} {'errors':>6} {'recycled':>8}  verdict"
    )
    print(header)
    for label, pages in results["lines"].items():
        for lines in pages.values():
            for connections, line in lines.items():
                ok &= line["pass"]
                print(
                    f"{label:5} {line['path']:{width}} {connections:>5} {line['rps']:7.0f} {line['hello_rps']:7.0f}"
                    f" {line['ratio']:6.2f} {'≥' + format(line['budget'], '.2f'):>7} {line['p99_ms']:7.1f}"
                    f" {'(' + format(line['p99_worst_ms'], '.1f') + ')':>9} {'≤' + str(line['p99_budget_ms']):>7}"
                    f" {line['errors']:6} {line['recycled_workers']:8}  {_verdict(line['pass'])}"
                )
    if results["scale"]:
        print("== big database against small: req/s big/small, median of the rounds (paired: same round)")
        print(f"{'page':{width}} {'conns':>5} {'big/small':>9} {'budget':>9} {'p99 small':>9} {'p99 big':>8}  verdict")
        small = results["lines"]["small"]
        for page, lines in results["scale"].items():
            for connections, line in lines.items():
                ok &= line["pass"]
                print(
                    f"{small[page][connections]['path']:{width}} {connections:>5} {line['ratio']:9.2f} {'1 ± 0.20':>9}"
                    f" {line['p99_small_ms']:9.1f} {line['p99_big_ms']:8.1f}  {_verdict(line['pass'])}"
                )
    return ok


def main() -> int:
    only = [p.strip() for p in os.environ.get("BENCH_ONLY", ",".join(PARTS)).split(",") if p.strip()]
    unknown = set(only) - set(PARTS)
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown part(s) {', '.join(sorted(unknown))}; known: {', '.join(PARTS)}")
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git": _git(),
        "machine": {"node": platform.node(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "python": platform.python_version(),
    }
    ok = True
    for name in only:
        module = importlib.import_module(f"bench.{name}")
        if name == "pages":
            report["pages"] = module.run()
            ok &= print_pages(report["pages"])
        else:
            print(f"== {name}")
            report[name] = module.run()
            print(json.dumps(report[name], indent=1, default=str))
    target = Path(os.environ.get("BENCH_JSON", ROOT / "bench" / "results.json"))
    target.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"== figures written to {target}; {'every budget holds' if ok else 'a budget FAILED: exit 1'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
