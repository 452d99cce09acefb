"""Registration of a company at /company/registration: the contract identified (vez.companies.identification,
the identity core's mechanism), then the representative's login; the letter and activation as for households."""

from __future__ import annotations
