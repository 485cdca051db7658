"""Which sender a store's outbox uses for a channel: its connected provider, else (DEBUG and
tests only) the console provider, else none."""

from __future__ import annotations

from django.conf import settings

from apps.integrations.connections.registry import CONNECTABLE
from apps.integrations.messaging.base import EmailSender, SmsSender
from apps.integrations.messaging.console.sender import ConsoleSender
from apps.integrations.messaging.sendgrid.sender import SendGridSender
from apps.integrations.messaging.twilio.sender import TwilioSender
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store


def email_sender(store: Store) -> tuple[EmailSender, dict[str, str]] | None:
    """The sender and its stored config (from address, ...), None when email is not set up."""
    config = connected_config(store, "sendgrid")
    if config is not None:
        sender = SendGridSender(
            api_key=config["api_key"],
            region=config.get("region", "global"),
            host=settings.MESSAGING_SENDGRID_API_HOST,
        )
        return sender, config
    if _console_allowed():
        return ConsoleSender(settings.MESSAGING_CONSOLE_DIR), {}
    return None


def sms_sender(store: Store) -> tuple[SmsSender, dict[str, str]] | None:
    """The sender and its stored config (from number, ...), None when SMS is not set up."""
    config = connected_config(store, "twilio")
    if config is not None:
        sender = TwilioSender(
            account_sid=config["account_sid"],
            auth_token=config["auth_token"],
            api_key_sid=config.get("api_key_sid", ""),
            api_key_secret=config.get("api_key_secret", ""),
            api_base=settings.MESSAGING_TWILIO_API_BASE,
            messaging_service_sid=config.get("messaging_service_sid", ""),
        )
        return sender, config
    if _console_allowed():
        return ConsoleSender(settings.MESSAGING_CONSOLE_DIR), {}
    return None


def connected_config(store: Store, provider: str) -> dict[str, str] | None:
    """The store's decrypted config for a connected, connectable provider (never log it)."""
    # A provider that is not connectable yet is never used, even if a row exists for it.
    if not CONNECTABLE.get(provider, False):
        return None
    credential = IntegrationCredential.objects.filter(
        store=store, provider=provider, status=IntegrationStatus.CONNECTED
    ).first()
    return credential.revealed_config() if credential else None


def _console_allowed() -> bool:
    return bool(settings.DEBUG or settings.TESTING)
