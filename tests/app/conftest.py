"""A redis-server of the test's own (the shared page cache, the readiness check)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest

from bench.server import free_port


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)


@pytest.fixture
def redis_server(tmp_path):
    server = shutil.which("redis-server")
    if not server:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing under CI")
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen([server, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    running = RedisServer(f"redis://127.0.0.1:{port}/0", process)
    yield running
    running.stop()
