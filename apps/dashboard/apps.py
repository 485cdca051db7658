from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "apps.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        # Keeps the analytics rollups of past days in step with their rows.
        from apps.dashboard.analytics import signals  # noqa: F401
