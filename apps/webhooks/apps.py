from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from apps.conversations.email_reply import queue_email_reply
        from apps.conversations.hooks import register_reply_hook
        from apps.conversations.sms import queue_sms_reply

        register_reply_hook(queue_sms_reply)
        register_reply_hook(queue_email_reply)
