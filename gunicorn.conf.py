"""gunicorn settings for production: `gunicorn wsgi:app` reads this file from the working directory."""

import multiprocessing
import os

import gunicorn

# No version banner (SECURITY.md 36).
gunicorn.SERVER = "vez"

bind = os.environ.get("VEZ_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("VEZ_WORKERS", multiprocessing.cpu_count() * 2))
# Threads keep the proxy's connections alive; the work is CPU-bound, so a few are enough.
worker_class = os.environ.get("VEZ_WORKER_CLASS", "gthread")
threads = int(os.environ.get("VEZ_THREADS", 4))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = os.environ.get("VEZ_FORWARDED_ALLOW_IPS", "127.0.0.1")
