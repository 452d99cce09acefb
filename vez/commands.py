"""The `flask --app vez ...` commands."""

from __future__ import annotations

from flask import Flask

from vez.demo import demo_data_command


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
