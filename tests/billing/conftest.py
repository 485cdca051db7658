"""Billing is paid for through the dashboard: its tests use the dashboard's stores,
session tokens and merchant client."""

from tests.dashboard.conftest import (  # noqa: F401
    _app_credentials,
    demo_merchant,
    demo_store,
    eager_tasks,
    merchant,
    other_shop,
    rival,
    shop,
)
