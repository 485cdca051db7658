import pytest

from apps.core.ratelimit import Rate
from apps.integrations.helpdesk import throttle
from tests.integrations.helpdesk.conftest import world  # noqa: F401  (the four stand-ins)


@pytest.fixture(autouse=True)
def roomy_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget these tests never reach (Front's real one is 7 calls in 10 s, less than one
    ticket with its tags): the budget itself is tested in test_throttle.py, test_sync.py's
    429 case and bench/helpdesk.py."""
    for provider in list(throttle.LIMITS):
        monkeypatch.setitem(throttle.LIMITS, provider, Rate(10_000, 10))
