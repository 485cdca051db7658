"""Rate limits for the chat API: which limits exist, per conversation and per client address.

Each limit is "N requests per W seconds" for one subject. The counting itself (one Redis
round trip for every counter a request touches, an in-memory stand-in without REDIS_URL,
requests let through when Redis fails) is apps.core.ratelimit's, shared with the install
and admin-login limits. A fixed window lets a client burst up to 2N across a window edge;
for chat that is harmless and it keeps the check to one key per limit.
"""

from __future__ import annotations

from django.conf import settings

from apps.chat.api.problems import ChatProblem
from apps.core.ratelimit import Rate, seconds_to_wait

# name -> "count/seconds". Override any of them with settings.CHAT_RATE_LIMITS.
DEFAULT_LIMITS: dict[str, str] = {
    # A person types a few messages a minute; a script types hundreds.
    "message_per_conversation": "10/60",
    "message_per_address": "30/60",
    # New conversations: a reload keeps the old one, so few are ever needed.
    "start_per_address": "10/600",
    # "Talk to a person" counts here instead of the message limits, so a shopper who was
    # told to slow down can still reach a human; its text is fixed, so it carries nothing.
    "handoff_per_conversation": "3/600",
    # Polls and config reads: two open tabs polling every second stay well under this.
    "read_per_address": "300/60",
}


def get_limit(name: str) -> Rate:
    return Rate.parse({**DEFAULT_LIMITS, **getattr(settings, "CHAT_RATE_LIMITS", {})}[name])


def enforce(*checks: tuple[str, str]) -> None:
    """Count one request against each (limit name, subject); raise 429 if any is exceeded.

    Every listed counter is incremented, so a client that keeps flooding stays blocked
    until its window ends. Subjects of other clients are never touched.
    """
    retry_after = seconds_to_wait(
        *((f"chat:{name}:{subject}", get_limit(name)) for name, subject in checks)
    )
    if retry_after:
        raise ChatProblem(
            429,
            "rate_limited",
            f"You're sending messages too quickly. Please wait {retry_after} seconds "
            "and try again.",
            retry_after=retry_after,
        )
