"""A company's people: invitations with a role, revoking, the company's own audit list, switching companies."""

from __future__ import annotations
