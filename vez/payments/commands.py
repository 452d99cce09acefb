"""`flask --app vez payments reconcile` (settle orders the gateway has not confirmed in time) and `autopay`."""

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


@payments_cli.command("autopay")
@click.option("--date", "day", default=None, help="The day to charge for, YYYY-MM-DD (default: today, local).")
def autopay_command(day: str | None) -> None:
    """Charge the autopay accounts' bills due on that day now (what the daily job does)."""
    from datetime import datetime

    from vez.payments.autopay import autopay_job

    if day is not None:
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            raise click.BadParameter("YYYY-MM-DD", param_hint="--date") from None
    click.echo(f"{autopay_job(day)}.")
