"""The `flask --app vez ...` commands."""

from __future__ import annotations

from flask import Flask

from vez.admin.cli import import_group
from vez.backup import backup_command
from vez.billing import bills_cli
from vez.demo import demo_data_command
from vez.jobs import jobs_cli
from vez.mail import mail_command
from vez.payments.commands import payments_cli
from vez.reminders import reminders_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(import_group)
    app.cli.add_command(mail_command)
    app.cli.add_command(bills_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(reminders_cli)
    app.shell_context_processor(shell_context)


def shell_context() -> dict:
    """`flask --app vez shell` starts with db, the models module and every model class by name."""
    from vez import models
    from vez.extensions import db

    classes = {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}
    return {"db": db, "models": models, **classes}
