"""Paying under a contract online: one order per contract through the payment gateway interface."""

from __future__ import annotations
