"""Instructions a request executes, in-process: `python -m bench.instructions [--anonymous] PATH [PATH ...]`.

The wall time of a request on a shared machine drifts by 2× within minutes, more than most single changes are
worth; the instructions it executes do not (docs/performance.md, "Issue 16, third pass"). For each path:
bench.profile's demo database in a temporary folder, the Flask app called directly (WSGI, no server) as the
`demo` login (or a new visitor with `--anonymous`), under valgrind's cachegrind twice, serving the page
`BENCH_INSTRUCTION_REQUESTS` times (200) and not at all; the difference over the count is the figure. About a
minute and a half a page. It undercounts what is mostly memory traffic (zlib's set-up, a large memset).
Needs valgrind (`apt-get install valgrind`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_INSTRUCTION_REQUESTS", 200))


def serve(folder: Path, path: str, count: int, anonymous: bool) -> None:
    """In the child under valgrind: the app, the login, 20 requests to warm up, then `count` counted ones."""
    import gc

    from werkzeug.test import EnvironBuilder

    from bench import profile

    os.environ.update(profile.demo_env(folder))
    from vez import create_app

    app = create_app()
    client = profile.login(app)
    client.get(path, base_url="https://localhost")  # as a browser: the cookie the server last set, if it set one
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    headers = {} if anonymous else {"Cookie": cookie}
    # The login's own User-Agent: Flask-Login's session protection would otherwise change the session each time.
    environ = EnvironBuilder(
        path=path, base_url="https://localhost", headers=headers, environ_base=client.environ_base
    ).get_environ()

    def start_response(*_args):
        return None

    def request() -> None:
        body = app(dict(environ), start_response)
        for _chunk in body:
            pass
        body.close()

    for _ in range(20):
        request()
    gc.collect()
    gc.freeze()  # as a gunicorn worker (deploy/gunicorn.conf.py)
    for _ in range(count):
        request()


def instructions(folder: Path, path: str, count: int, anonymous: bool) -> int:
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, "-m", "bench.instructions", "--serve", str(folder), path, str(count),
    ] + (["--anonymous"] if anonymous else [])  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return int(re.search(r"I\s+refs:\s+([\d,]+)", done.stderr).group(1).replace(",", ""))


def main(argv: list[str]) -> int:
    anonymous = "--anonymous" in argv
    if argv and argv[0] == "--serve":
        serve(Path(argv[1]), argv[2], int(argv[3]), anonymous)
        return 0
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    from bench import profile

    folder = Path(tempfile.mkdtemp(prefix="vez-instructions-"))
    profile.demo_database(folder)
    for path in [a for a in argv if a.startswith("/")] or ["/cabinet"]:
        base = instructions(folder, path, 0, anonymous)
        counted = instructions(folder, path, REQUESTS, anonymous)
        who = "a new visitor" if anonymous else "demo"
        print(f"{path} ({who}): {(counted - base) / REQUESTS / 1e6:.2f} M instructions a request", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
