"""gunicorn settings for production: `gunicorn wsgi:app` reads this file from the working directory."""

import multiprocessing
import os

import gunicorn

# No version banner (SECURITY.md 36).
gunicorn.SERVER = "vez"

bind = os.environ.get("VEZ_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("VEZ_WORKERS", multiprocessing.cpu_count() * 2))
# Sync workers behind a buffering proxy (nginx): the fairest tail latency in `make bench`.
worker_class = os.environ.get("VEZ_WORKER_CLASS", "sync")
threads = int(os.environ.get("VEZ_THREADS", 1))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = os.environ.get("VEZ_FORWARDED_ALLOW_IPS", "127.0.0.1")
