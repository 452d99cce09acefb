"""`flask --app vez backup FILE`: a consistent copy of the database (docs/security.md 46).

SQLite: the online backup API (a consistent snapshot while the app runs). PostgreSQL: `pg_dump -Fc`,
restored with `pg_restore -d <database> FILE`.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url


def backup(target: Path) -> Path:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    if url.get_backend_name() == "postgresql":
        if not shutil.which("pg_dump"):
            raise click.ClickException("pg_dump is not installed")
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "-Fc", "-f", str(target), plain], check=True)
        return target
    raise click.ClickException(f"no backup method for {url.get_backend_name()}")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent copy of the database to TARGET."""
    backup(target)
    click.echo(f"Backup written to {target}")
