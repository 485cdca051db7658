"""The built-in understanding: intent + entities for a customer message, with no network.

    from apps.agent.understanding import understand
    u = understand("where is my order #1001")
    u.intent, u.confidence, u.entities.order_numbers   # "order_status", 1.0, ("1001",)

See understand.py for the decision order, dialogue.py for `awaiting`, model.py for the
classifier and data/GUIDELINES.md for what each intent means.
"""

from __future__ import annotations

from apps.agent.understanding.model import get_model
from apps.agent.understanding.types import INTENTS, Entities, Money, Phone, Quantity, Understanding
from apps.agent.understanding.understand import understand

__all__ = [
    "INTENTS",
    "Entities",
    "Money",
    "Phone",
    "Quantity",
    "Understanding",
    "understand",
    "warm_up",
]


def warm_up() -> str:
    """Train the model now (about a second) instead of on the first message; returns its version.

    Call it where a worker process starts, so no customer waits for training.
    """
    return get_model().version
