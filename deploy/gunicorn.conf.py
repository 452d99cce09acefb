"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'vez:create_app()'`."""

import multiprocessing
import os
import time

import gunicorn
from gunicorn.glogging import Logger

from vez.logs import ENVIRON_KEY, Formatter, iso_time, json_line, redact

# No version banner (docs/security.md 36).
gunicorn.SERVER = "vez"

bind = os.environ.get("VEZ_BIND", "127.0.0.1:8000")
# docs/security.md (rate limits across workers): VEZ_SINGLE_PROCESS=1 lets production count limits in
# memory://, which only holds in one process; so it means exactly one worker, whatever -w or TTIN ask.
single_process = os.environ.get("VEZ_SINGLE_PROCESS", "").strip().lower() in ("1", "true")
workers = int(os.environ.get("VEZ_WORKERS", 1 if single_process else multiprocessing.cpu_count() * 2))
# Threads keep the proxy's connections alive; the work is CPU-bound, so a few are enough.
worker_class = os.environ.get("VEZ_WORKER_CLASS", "gthread")
threads = int(os.environ.get("VEZ_THREADS", 4))
timeout = 30
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a guard against slow growth; bench/load.py's soak measures none
# to speak of). 5 000 ± 500 restarted each worker every few seconds at bill-day rates, both within a second of
# each other, and a replacement takes 2-3 s to load the app: for that while nobody accepted a connection and the
# keep-alive connections of the leaving worker were reset (bench/README.md, p99 of 1-3 s). The wide jitter keeps
# the workers from being replaced together.
max_requests = 100_000
max_requests_jitter = 50_000
accesslog = "-"
# "json" (the default): the access and error logs are JSON lines like the app's (vez.logs); "text": gunicorn's.
json_logs = os.environ.get("VEZ_LOG_FORMAT", "json").strip().strip('"') != "text"


class AccessLogger(Logger):
    """The token segment of /activate/<token>, /recovery/password/<token> and the email change link is redacted
    from every atom of the access log: request line, path, Referer, headers (docs/security.md, "Sessions bound
    to a second factor", access logs). With JSON logs, each request is one object carrying the request id the
    app gave it (the X-Request-ID it answered with), and gunicorn's own error log is JSON too."""

    def setup(self, cfg):
        super().setup(cfg)
        if json_logs:
            for handler in self.error_log.handlers:
                handler.setFormatter(Formatter("json"))

    def atoms(self, resp, req, environ, request_time):
        return {key: redact(value) for key, value in super().atoms(resp, req, environ, request_time).items()}

    def _raw_atoms(self, resp, req, environ, request_time):
        return super().atoms(resp, req, environ, request_time)

    def access(self, resp, req, environ, request_time):
        if not json_logs:
            return super().access(resp, req, environ, request_time)
        cfg = self.cfg  # the same condition as gunicorn's own access()
        if not (cfg.accesslog or cfg.logconfig or cfg.logconfig_dict or cfg.logconfig_json or cfg.syslog):
            return None
        # Of the dozens of atoms (every header and environ variable) the line writes ten: only those are redacted
        # (redacting all of them was a tenth of a cabinet page's time).
        atoms = self._raw_atoms(resp, req, environ, request_time)
        atoms.update({key: redact(atoms[key]) for key in ("r", "U", "q", "f", "a") if key in atoms})
        query = atoms["q"]
        line = {
            "time": iso_time(time.time()),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": atoms["r"],
            "request_id": environ.get(ENVIRON_KEY) or atoms.get("{x-request-id}o"),
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "method": atoms["m"],
            "path": atoms["U"] + (f"?{query}" if query else ""),
            "remote_addr": atoms["h"],
            "bytes": atoms["B"],
            "referer": atoms["f"],
            "user_agent": atoms["a"],
        }
        self.access_log.info(json_line(line))
        return None


logger_class = AccessLogger
forwarded_allow_ips = os.environ.get("VEZ_FORWARDED_ALLOW_IPS", "127.0.0.1")


def nworkers_changed(server, new_value, old_value):
    """The worker count at start (old_value None) and on TTIN/TTOU; VEZ_SINGLE_PROCESS allows only one."""
    if not single_process or new_value == 1:
        return
    if old_value is None:  # gunicorn prints a RuntimeError and exits 1
        raise RuntimeError(
            f"VEZ_SINGLE_PROCESS=1 runs exactly one worker, not {new_value} "
            "(memory:// rate limits would count per worker); unset it and use shared storage."
        )
    server.log.error("VEZ_SINGLE_PROCESS=1: staying at one worker, not %s", new_value)
    server._num_workers = 1


def post_worker_init(worker):
    """The app is loaded: move everything it made to the collector's permanent generation (gc.freeze).

    A worker holds about 200 000 objects once the app is loaded (SQLAlchemy's mappers, Babel's locale data,
    templates); every full collection walked all of them, about 120 ms with the worker's threads stopped, once
    every few seconds under load: a p99 of over 100 ms on pages that take 2 ms (docs/performance.md). Frozen,
    they are never walked again; what requests make is collected as before."""
    import gc

    gc.collect()
    gc.freeze()
