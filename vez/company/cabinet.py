"""The company cabinet at /company/cabinet: balance, contracts and points, charges by month and point, payments,
the 12-month chart per point, CSV export."""

from __future__ import annotations
