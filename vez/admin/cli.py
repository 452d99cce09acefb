"""`flask --app vez import accounts|charges|payments|companies|contracts|points|company-charges|company-payments
FILE [--dry-run] [--skip-bad]` (docs/import.md)."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext

from vez.admin.formats import FORMATS
from vez.admin.importing import new_run, run_import
from vez.models import ImportStatus


def _command(kind: str) -> click.Command:
    @click.command(name=kind, help=f"Import the billing system's {kind} CSV file (docs/import.md).")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check every row and count the changes; write nothing.")
    @click.option("--skip-bad", is_flag=True, help="Write the good rows and report the bad ones.")
    @with_appcontext
    def command(file: str, dry_run: bool, skip_bad: bool) -> None:
        run = new_run(kind, file, dry_run=dry_run, skip_bad=skip_bad, actor_id=None)
        bad_rows: list[tuple[int, str]] = []
        started = time.monotonic()
        with click.progressbar(
            length=1,
            label=f"{kind}",
            show_pos=True,
            file=sys.stderr,
            item_show_func=lambda rate: f"{rate} rows/s" if rate else None,
        ) as bar:
            shown = 0

            def on_progress(snapshot) -> None:
                nonlocal shown
                bar.length = max(snapshot.rows_total, 1)
                rate = int(snapshot.rows_checked / max(time.monotonic() - started, 1e-6))
                bar.update(snapshot.rows_checked - shown, f"{rate:,}")
                shown = snapshot.rows_checked

            result = run_import(
                run.id, file, on_progress=on_progress, on_bad=lambda line, reason: bad_rows.append((line, reason))
            )
            bar.length = max(result.rows_total, result.rows_checked, 1)
            elapsed = time.monotonic() - started
            bar.update(result.rows_checked - shown, f"{int(result.rows_checked / max(elapsed, 1e-6)):,}")
        for line, reason in bad_rows:
            click.echo(f"line {line}: {reason}", err=True)
        click.echo(
            f"{result.status.value}: {result.rows_checked} rows checked, {result.rows_bad} bad, "
            f"{result.rows_written} new or changed{' (dry run: nothing written)' if dry_run else ''}, "
            f"{result.accounts_touched} {'contracts' if kind.startswith('company-') else 'accounts'}' balances "
            f"recomputed, {elapsed:.1f} s, "
            f"{int(result.rows_checked / max(elapsed, 1e-6)):,} rows/s"
        )
        if result.message:
            click.echo(result.message, err=True)
        if result.status is not ImportStatus.done:
            sys.exit(1)

    return command


import_group = click.Group(name="import", help="Import the billing system's CSV files.")
for _kind in FORMATS:
    import_group.add_command(_command(_kind))
