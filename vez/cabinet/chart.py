"""The 12-month consumption chart, drawn on the server: numbers in, geometry out (the template writes the SVG).

One bar per month, across. The SVG has no viewBox, so nothing in it is scaled: its text is set in CSS
pixels and reads the same on a 320 px phone as on a desktop. Across, positions are percentages of the
chart's width; down, pixels. A scale of three ticks (0, one step, two steps) runs under the bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from vez.billing import next_month
from vez.models import Charge

ROW, BAR, TOP, AXIS = 22, 14, 4, 24  # px: a month's row, its bar, the space above, the scale below
LABELS = 30  # % of the width for the month names, left of the bars
RIGHT = 2  # % kept free at the right, so the last tick's label stays inside
NICE = tuple(Decimal(n) for n in ("1", "1.2", "1.5", "2", "2.5", "3", "4", "5", "6", "8", "10"))


@dataclass(frozen=True)
class Bar:
    month: date
    volume: Decimal | None  # None for a month without a charge
    amount: int  # kopiykas; 0 for a month without a charge
    y: int  # px, the top of the bar
    width: float  # % of the chart's width
    label_y: int  # px, the baseline of the month's name
    with_year: bool  # the first month and every January carry their year


@dataclass(frozen=True)
class Tick:
    value: Decimal
    x: float  # % of the chart's width


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: Decimal | None  # the largest volume, labelled on its bar; None when nothing was charged
    unit: str | None  # "kWh" or "m3", as the charges carry it
    ticks: list[Tick]
    height: int
    baseline: int  # px, where the scale's line runs
    labels: int = LABELS
    row: int = ROW
    bar: int = BAR


def nice_step(half: Decimal) -> Decimal:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × a power of ten) at least `half`."""
    power = Decimal(10) ** half.adjusted()
    step = next(n * power for n in NICE if n * power >= half)
    return step.quantize(Decimal(1)) if step >= 1 else step.normalize()


def bar_x(value: Decimal, top: Decimal) -> float:
    return round(LABELS + (100 - LABELS - RIGHT) * float(value / top), 2)


def chart(start: date, charges: list[Charge]) -> Chart:
    """Twelve months from `start`, each bar as long as its volume on a scale rounded up from the largest."""
    by_month = {c.month: c for c in charges}
    months, month = [], start
    for _ in range(12):
        months.append(month)
        month = next_month(month)
    volumes = [by_month[m].volume for m in months if m in by_month]
    peak = max(volumes) if volumes and max(volumes) > 0 else None
    step = nice_step(peak / 2) if peak else None
    top = 2 * step if step else None
    bars = []
    for i, m in enumerate(months):
        charge = by_month.get(m)
        y = TOP + i * ROW + (ROW - BAR) // 2
        width = bar_x(charge.volume, top) - LABELS if charge and top else 0
        bars.append(
            Bar(
                month=m,
                volume=charge.volume if charge else None,
                amount=charge.amount if charge else 0,
                y=y,
                width=round(width, 2),
                label_y=y + BAR - 2,
                with_year=i == 0 or m.month == 1,
            )
        )
    ticks = [Tick(n * step, bar_x(n * step, top)) for n in range(3)] if step else []
    baseline = TOP + 12 * ROW
    unit = next((by_month[m].unit for m in months if m in by_month), None)
    return Chart(bars=bars, peak=peak, unit=unit, ticks=ticks, height=baseline + AXIS, baseline=baseline)
