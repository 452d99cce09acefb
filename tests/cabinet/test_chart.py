"""The chart's geometry: twelve rows, bars on a round scale, nothing scaled by a viewBox."""

from datetime import date
from decimal import Decimal

import pytest

from vez.cabinet.chart import LABELS, RIGHT, chart, nice_step
from vez.models import Charge


@pytest.mark.parametrize(
    ("half", "step"),
    [("610", "800"), ("772.12", "800"), ("500", "500"), ("501", "600"), ("91", "100"), ("12.5", "15"), ("0.4", "0.4")],
)
def test_the_scale_step_is_the_next_round_number(half, step):
    assert nice_step(Decimal(half)) == Decimal(step)


def charges(*volumes):
    return [
        Charge(month=date(2026, i + 1, 1), volume=Decimal(v), unit="kWh", tariff=Decimal("4.32"), amount=int(v) * 432)
        for i, v in enumerate(volumes)
    ]


def test_the_peak_bar_is_the_longest_and_the_scale_covers_it_with_three_ticks():
    c = chart(date(2026, 1, 1), charges("120", "1220", "300"))
    assert c.peak == Decimal("1220") and c.unit == "kWh"
    assert [t.value for t in c.ticks] == [0, 800, 1600]
    assert c.ticks[0].x == LABELS and c.ticks[-1].x == 100 - RIGHT
    widths = [b.width for b in c.bars]
    assert max(widths) == widths[1] and widths[3:] == [0] * 9
    assert widths[1] == pytest.approx((100 - LABELS - RIGHT) * 1220 / 1600, abs=0.01)


def test_the_first_month_and_january_carry_their_year():
    c = chart(date(2025, 11, 1), [])
    assert [b.with_year for b in c.bars][:4] == [True, False, True, False]
    assert c.peak is None and c.ticks == [] and c.unit is None
