"""A message saved in a mirrored conversation gets its sync rows in the same transaction.

conversations sits below this app and cannot call it; Django's post_save runs inside the
transaction that saves the message, so the message and its rows commit together (or not
at all), and the send is enqueued only after the commit.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.conversations.models import Message
from apps.helpdesk.models import HelpdeskThread
from apps.helpdesk.sync import connected_helpdesks, mirror_message, mirrored_role
from apps.helpdesk.tasks import enqueue_sync


@receiver(post_save, sender=Message, dispatch_uid="helpdesk_mirror_new_message")
def mirror_new_message(sender: type[Message], instance: Message, created: bool, **_: Any) -> None:
    if not created or not mirrored_role(instance):
        return
    mirrored = set(
        HelpdeskThread.objects.filter(conversation_id=instance.conversation_id).values_list(
            "provider", flat=True
        )
    )
    if not mirrored:
        return
    providers = [p for p in connected_helpdesks(instance.store_id) if p in mirrored]
    for row_id in mirror_message(instance, providers):
        transaction.on_commit(partial(enqueue_sync, row_id))
