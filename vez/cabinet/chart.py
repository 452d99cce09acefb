"""The 12-month chart, drawn on the server: numbers in, bar geometry out (the template writes the SVG)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vez.billing import next_month
from vez.models import Charge

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 600, 230, 20, 28, 4


@dataclass(frozen=True)
class Bar:
    month: date
    amount: int  # kopiykas; 0 for a month without a charge
    volume: object
    x: int
    y: int
    width: int
    height: int
    label_x: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - BOTTOM


def chart(start: date, charges: list[Charge]) -> Chart:
    """Twelve bars from `start`, scaled to the largest amount."""
    by_month = {c.month: c for c in charges}
    months, month = [], start
    for _ in range(12):
        months.append(month)
        month = next_month(month)
    peak = max((by_month[m].amount for m in months if m in by_month), default=0)
    slot = (WIDTH - LEFT) // 12
    usable = HEIGHT - TOP - BOTTOM
    bars = []
    for i, m in enumerate(months):
        charge = by_month.get(m)
        amount = charge.amount if charge else 0
        h = round(usable * amount / peak) if peak else 0
        x = LEFT + i * slot + 6
        bars.append(
            Bar(
                m, amount, charge.volume if charge else None, x, HEIGHT - BOTTOM - h, slot - 12, h, x + (slot - 12) // 2
            )
        )
    return Chart(bars, peak)
