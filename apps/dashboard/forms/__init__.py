"""Forms of the dashboard: validation only; saving is done by apps.dashboard.services."""
