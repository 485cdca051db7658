from tests.integrations.helpdesk.conftest import world  # noqa: F401  (the four stand-ins)
