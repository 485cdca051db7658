"""An escalated conversation opens a ticket in the merchant's connected helpdesk(s).

The agent knows nothing of helpdesks (it sits below this app): after every committed
reply it calls its reply hooks, and ours checks, with one cheap query, whether the
conversation was just escalated and is not mirrored yet; if so it enqueues the mirroring.
"""

from __future__ import annotations

import logging

from django.db.models import Exists, OuterRef

from apps.conversations.models import ConversationStatus, Message
from apps.helpdesk.models import HelpdeskThread

logger = logging.getLogger(__name__)


def on_reply_committed(message_id: int) -> None:
    row = (
        Message.objects.filter(pk=message_id)
        .annotate(
            mirrored=Exists(
                HelpdeskThread.objects.filter(conversation_id=OuterRef("conversation_id"))
            )
        )
        .values("conversation_id", "conversation__status", "mirrored")
        .first()
    )
    if (
        row is None
        or row["mirrored"]
        or row["conversation__status"] != ConversationStatus.ESCALATED
    ):
        return
    from apps.helpdesk.tasks import mirror_conversation

    try:
        mirror_conversation.apply_async((row["conversation_id"],), retry=False)
    except Exception:  # broker errors: the conversation is still escalated in our inbox
        logger.warning("helpdesk mirroring of conversation %s not enqueued", row["conversation_id"])
