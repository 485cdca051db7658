"""Extension points run after a reply (the agent's or a person's) is committed.

Apps above that act on replies (the helpdesk mirror, the SMS outbox) register here with
`register_reply_hook` at start-up, so nothing here imports them; the agent's pipeline and the
reply services call `reply_committed(message_id)` on commit of every reply. A hook receives
the reply's id (never the object) and must return quickly — enqueue a task, do not call out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

ReplyHook = Callable[[int], None]
_reply_hooks: list[ReplyHook] = []


def register_reply_hook(hook: ReplyHook) -> None:
    """Run `hook(reply_message_id)` after every committed reply (idempotent registration)."""
    if hook not in _reply_hooks:
        _reply_hooks.append(hook)


def unregister_reply_hook(hook: ReplyHook) -> None:
    if hook in _reply_hooks:
        _reply_hooks.remove(hook)


def reply_committed(message_id: int) -> None:
    """Hand a committed reply to every registered hook; one failing hook never stops another."""
    for hook in list(_reply_hooks):
        try:
            hook(message_id)
        except Exception:  # a mirror's failure must not undo or block the customer's reply
            logger.exception("reply hook %r failed for message %s", hook, message_id)
