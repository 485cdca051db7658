from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "apps.helpdesk"
    label = "helpdesk"
    verbose_name = "Helpdesk sync"

    def ready(self) -> None:
        from apps.conversations.hooks import register_reply_hook
        from apps.helpdesk import signals  # noqa: F401  (connects the receivers)
        from apps.helpdesk.escalation import on_reply_committed

        register_reply_hook(on_reply_committed)
