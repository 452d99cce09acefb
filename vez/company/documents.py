"""A contract's documents as HTML and PDF: the monthly invoice, the monthly acceptance act, the reconciliation act
for any period (vez.companies.documents issues and stores them)."""

from __future__ import annotations
