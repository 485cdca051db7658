from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "apps.helpdesk"
    label = "helpdesk"
    verbose_name = "Helpdesk sync"

    def ready(self) -> None:
        from apps.helpdesk import signals  # noqa: F401  (connects the receivers)
