"""Conversation tokens: what lets a widget read and write one conversation.

A conversation id alone grants nothing. When a conversation starts, the widget receives
`v1.<mac>`, mac = HMAC-SHA256 over "<store id>.<conversation id>.<customer id>" under a key
derived from SECRET_KEY for this one purpose (Django's salted_hmac). The customer id is
Shopify's verified `logged_in_customer_id` ("" for a guest), so a token stops working when
a different customer (or nobody) is signed in on that browser: a shared computer does not
hand one shopper's order conversation to the next.

Nothing is stored: checking a token needs no query, so a guessed or foreign conversation id
is refused before anything is loaded, with the same answer as a missing conversation.
Tokens signed with a key in SECRET_KEY_FALLBACKS stay valid during a secret rotation.

A token has a lifetime on the server side, kept with the conversation: it opens its
conversation only while that has been idle at most CHAT_TOKEN_IDLE_HOURS and is at most
CHAT_TOKEN_MAX_AGE_DAYS old (`conversation_is_open`), so a token left in a shared
browser's storage stops working.
"""

from __future__ import annotations

import base64
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.crypto import salted_hmac

from apps.conversations.models import Conversation

_SALT = "aftersale.conversations.chat-token.v1"
_PREFIX = "v1."
# 43 base64url characters = the whole 256-bit MAC.
_TOKEN_LENGTH = len(_PREFIX) + 43


def _mac(store_id: int, conversation_id: int, customer_id: str, secret: str) -> str:
    message = f"{store_id}.{conversation_id}.{customer_id}"
    digest = salted_hmac(_SALT, message, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def conversation_token(*, store_id: int, conversation_id: int, customer_id: str = "") -> str:
    """The token to hand to the widget that started this conversation."""
    return _PREFIX + _mac(store_id, conversation_id, customer_id, settings.SECRET_KEY)


def token_is_valid(
    token: str | None, *, store_id: int, conversation_id: int, customer_id: str = ""
) -> bool:
    """True when `token` was issued for this store, conversation and customer.

    Compared in constant time against the current key and every fallback key.
    """
    if not token or len(token) != _TOKEN_LENGTH or not token.startswith(_PREFIX):
        return False
    candidate = token.encode()
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    matched = False
    for secret in secrets:
        expected = (_PREFIX + _mac(store_id, conversation_id, customer_id, secret)).encode()
        # No early exit: every candidate key costs the same time.
        matched |= hmac.compare_digest(expected, candidate)
    return matched


def conversation_is_open(conversation: Conversation, now: datetime) -> bool:
    """May a token still open `conversation`? Not when it sat idle, or grew old, too long."""
    idle = timedelta(hours=settings.CHAT_TOKEN_IDLE_HOURS)
    oldest = timedelta(days=settings.CHAT_TOKEN_MAX_AGE_DAYS)
    last = conversation.last_message_at or conversation.created_at
    return now - last <= idle and now - conversation.created_at <= oldest
