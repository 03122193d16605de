"""Room tests record what would be queued for delivery instead of talking to a broker."""

from tests.browser.conftest import queued  # noqa: F401  (autouse fixture)
