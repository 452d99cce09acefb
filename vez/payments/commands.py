"""`flask --app vez payments reconcile`: settle orders the gateway has not confirmed in time."""

from __future__ import annotations

import click
from flask.cli import AppGroup

payments_cli = AppGroup("payments", help="Online payments.")


@payments_cli.command("reconcile")
@click.option("--limit", default=500, show_default=True, help="At most this many orders per run.")
def reconcile_command(limit: int) -> None:
    """Ask the gateway about orders unconfirmed for too long and settle them."""
    from vez.payments.settle import reconcile_job

    click.echo(f"{reconcile_job(limit=limit)}.")
