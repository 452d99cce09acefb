"""The billed-account fixture the pay-link tests use."""

from tests.paylinks.conftest import make_bill  # noqa: F401
