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
from apps.helpdesk.relay import hand_off_sync
from apps.helpdesk.sync import mirrored_providers, mirrored_role, new_message_rows


@receiver(post_save, sender=Message, dispatch_uid="helpdesk_mirror_new_message")
def mirror_new_message(sender: type[Message], instance: Message, created: bool, **_: Any) -> None:
    if not created or not mirrored_role(instance):
        return
    # Every chat turn passes here: one query answers "mirrored, and into which connected
    # helpdesks", and the publish goes to the relay thread, not the request's.
    providers = mirrored_providers(instance.conversation_id, instance.store_id)
    for row_id in new_message_rows(instance, providers):
        transaction.on_commit(partial(hand_off_sync, row_id))
