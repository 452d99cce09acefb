"""The `flask --app vez ...` commands."""

from __future__ import annotations

from flask import Flask

from vez.admin.cli import import_group
from vez.backup import backup_command
from vez.billing import bills_cli
from vez.demo import demo_data_command
from vez.mail import mail_command
from vez.payments.commands import payments_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(import_group)
    app.cli.add_command(mail_command)
    app.cli.add_command(bills_cli)
    app.cli.add_command(payments_cli)
