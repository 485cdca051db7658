"""One small skill per intent, dispatched from a dict (no if-chain)."""

from __future__ import annotations

from collections.abc import Callable

from apps.agent.context import Draft, Turn
from apps.agent.skills import answers, catalog, changes, orders, returns, talk

Skill = Callable[[Turn], Draft]

SKILLS: dict[str, Skill] = {
    "order_status": orders.order_status,
    "return_request": returns.return_request,
    "refund_request": returns.refund_request,
    "refund_status": orders.refund_status,
    "cancel_order": changes.cancel_order,
    "change_address": changes.change_address,
    "change_order": changes.change_order,
    "product_question": catalog.product_question,
    "policy_question": answers.policy_question,
    "payment_issue": talk.payment_issue,
    "complaint": talk.complaint,
    "human_handoff": talk.human_handoff,
    "greeting": talk.greeting,
    "other": talk.other,
}
