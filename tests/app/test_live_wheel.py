"""The built wheel installs and runs outside the checkout (live, about 30 s).

The wheel is built from a copy of the checkout (pip builds in the source tree; a stale build/ must never reach the
checkout) and installed alone into a fresh virtualenv; the dependencies are seen from this interpreter's
site-packages through a plain path line in a .pth file, which does not run the editable install's hook, so the
wheel's vez is the one imported. Everything then runs in an empty folder: `flask --app vez db upgrade`,
`flask --app vez demo-data`, gunicorn, and the home page in both languages, from the catalogs the build compiled;
the security log reaches gunicorn's stderr.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.server import free_port, wait_for

ON_POSTGRES = os.environ.get("VEZ_TEST_BACKEND") == "postgres"
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(ON_POSTGRES, reason="the wheel is the same on any database: the SQLite run covers it"),
]
ROOT = Path(__file__).resolve().parents[2]
# Not the checkout's own state: its virtualenv, built files, databases, results.
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "instance",
    "test-artifacts",
    "__pycache__",
    ".pytest_cache",
    "*.egg-info",
    "*.mo",
    "*.gz",
    "*.br",
    "*.pyc",
    "*.sqlite3",
    "results",
)


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read().decode()


@pytest.fixture
def installed(tmp_path):
    """A virtualenv holding only the wheel of this checkout, and a clean environment for it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEZ_", "FLASK_", "PYTHON"))}
    source, dist, venv = tmp_path / "source", tmp_path / "dist", tmp_path / "venv"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    # Build isolation installs setuptools and Babel as pyproject.toml asks: that list is tested too.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)], tmp_path, env)
    wheel = next(dist.glob("vez-*.whl"))
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = venv / "bin" / "python"
    site_packages = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, env).strip()
    )
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(site_packages),
            str(wheel),
        ],
        tmp_path,
        env,
    )
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site_packages / "vez-test-dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    return python, venv, env


def test_the_wheel_migrates_fills_and_serves_both_languages_from_an_empty_folder(tmp_path, installed):
    python, venv, env = installed
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    where = run(
        [
            str(python),
            "-c",
            "import vez, vez.resources as r; print(vez.__file__); "
            "print(r.resource_dir('migrations')); print(r.resource_dir('translations'))",
        ],
        folder,
        env,
    )
    package = venv.resolve()
    for line in where.split():
        assert Path(line).resolve().is_relative_to(package), where  # the wheel's, not the checkout's
    assert list(Path(where.split()[2]).glob("*/LC_MESSAGES/messages.mo")), "the build compiled no catalog"

    run([str(python), "-m", "flask", "--app", "vez", "db", "upgrade"], folder, env)
    assert (venv / "var" / "vez-instance" / "vez.sqlite3").is_file()  # the default database: the instance folder
    run([str(python), "-m", "flask", "--app", "vez", "demo-data"], folder, env)

    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(python), "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "vez:create_app()"],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", seconds=60)
        uk, en = fetch(f"{base}/?lang=uk"), fetch(f"{base}/?lang=en")
        assert '<html lang="uk">' in uk and "постачальник універсальних послуг" in uk
        assert "Прийом платежів за електроенергію" in uk and "universal service supplier" not in uk
        assert '<html lang="en">' in en and "universal service supplier" in en
        assert "Receiving payments for electricity" in en and "постачальник універсальних послуг" not in en
        # A forged gateway callback: refused, and the security log says so on gunicorn's stderr.
        forged = urllib.request.Request(f"{base}/payments/callback/sandbox", data=b"data=e30%3D&signature=forged")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        refused.value.close()
        assert refused.value.code == 400
    finally:
        server.terminate()
        server.wait(20)
        log.close()
    assert '"logger":"vez.security"' in (tmp_path / "gunicorn.log").read_text()  # one JSON line an event
    assert not any(folder.iterdir()), "the run wrote into the working folder"
