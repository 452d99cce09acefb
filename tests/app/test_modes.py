"""A mistyped ENV_MODE and per-worker rate limits are refused at start."""

import os
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from vez import create_app

ROOT = Path(__file__).resolve().parents[2]
STRONG = "a-production-secret-key-of-sufficient-length-0123456789"
REDIS = "redis://127.0.0.1:6379/0"  # never contacted: the storage client connects on first use


def production(tmp_path, **config):
    return create_app(
        {
            "ENV_MODE": "production",
            "SECRET_KEY": STRONG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
            **config,
        }
    )


@pytest.mark.parametrize("mode", ["prod", "Production", "PRODUCTION", "production ", "live", "dev", "test", "", 1])
def test_an_env_mode_outside_the_three_is_refused(mode, tmp_path):
    with pytest.raises(RuntimeError, match="development, testing, production"):
        create_app({"ENV_MODE": mode, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


def test_an_env_mode_typo_from_the_environment_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("VEZ_ENV_MODE", "prod")
    with pytest.raises(RuntimeError, match="'prod'"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


@pytest.mark.parametrize("mode", ["development", "testing", "production"])
def test_the_three_modes_start(mode, tmp_path):
    app = create_app(
        {
            "ENV_MODE": mode,
            "SECRET_KEY": STRONG,
            "RATELIMIT_STORAGE_URI": REDIS,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
        }
    )
    assert app.config["ENV_MODE"] == mode


@pytest.mark.parametrize("uri", ["memory://", "async+memory://", "", None])
def test_production_refuses_per_process_rate_limit_storage(uri, tmp_path):
    with pytest.raises(RuntimeError, match="memory://"):
        production(tmp_path, RATELIMIT_STORAGE_URI=uri)


@pytest.mark.parametrize("flag", [0, False, "0", "no", "yes", ""])
def test_production_refuses_memory_storage_without_a_clear_single_process_statement(flag, tmp_path):
    with pytest.raises(RuntimeError, match="memory://"):
        production(tmp_path, RATELIMIT_STORAGE_URI="memory://", SINGLE_PROCESS=flag)


@pytest.mark.parametrize("flag", [1, True, "1", "true"])
def test_production_takes_memory_storage_when_one_process_is_stated(flag, tmp_path):
    assert production(tmp_path, RATELIMIT_STORAGE_URI="memory://", SINGLE_PROCESS=flag)


def test_production_takes_shared_storage(tmp_path):
    assert production(tmp_path, RATELIMIT_STORAGE_URI=REDIS)


def test_development_keeps_memory_storage(tmp_path):
    assert create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}).config["ENV_MODE"] == "development"


def gunicorn_conf(monkeypatch, **env) -> dict:
    for key in ("VEZ_SINGLE_PROCESS", "VEZ_WORKERS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_gunicorn_runs_one_worker_when_one_process_is_stated(monkeypatch):
    conf = gunicorn_conf(monkeypatch, VEZ_SINGLE_PROCESS="1")
    assert conf["workers"] == 1
    conf["nworkers_changed"](None, 1, None)  # the start with one worker passes


def test_gunicorn_refuses_more_workers_when_one_process_is_stated(monkeypatch):
    conf = gunicorn_conf(monkeypatch, VEZ_SINGLE_PROCESS="1", VEZ_WORKERS="4")
    with pytest.raises(RuntimeError, match="exactly one worker"):
        conf["nworkers_changed"](None, conf["workers"], None)
    logged = []
    server = SimpleNamespace(_num_workers=2, log=SimpleNamespace(error=lambda *a: logged.append(a)))
    conf["nworkers_changed"](server, 2, 1)  # TTIN later: held at one
    assert server._num_workers == 1 and logged


def test_gunicorn_leaves_the_worker_count_alone_otherwise(monkeypatch):
    conf = gunicorn_conf(monkeypatch, VEZ_WORKERS="4")
    assert conf["workers"] == 4
    conf["nworkers_changed"](None, 4, None)


def test_gunicorn_exits_when_told_one_process_and_two_workers(tmp_path):
    env = {**os.environ, "VEZ_SINGLE_PROCESS": "1", "VEZ_BIND": "127.0.0.1:0"}
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", "2", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "exactly one worker" in done.stderr


def test_a_gunicorn_worker_freezes_what_the_loaded_app_made(monkeypatch):
    """docs/performance.md: a full collection no longer walks the loaded app's objects (a 120 ms pause)."""
    import gc

    conf = gunicorn_conf(monkeypatch)
    try:
        conf["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
