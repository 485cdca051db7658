"""Messages answered before the intent's skill: another language, a legal threat, a
customer who cannot use their email, a request to change an order's contact details."""

from __future__ import annotations

from apps.agent.context import Draft, Turn
from apps.agent.escalation import escalate
from apps.agent.guards import (
    HANDOVER_TEXT,
    contact_change,
    foreign_language,
    legal_threat,
    lost_email,
)
from apps.agent.state import Awaiting


def special_case(turn: Turn) -> Draft | None:
    """The reply for a message that must not go to the intent's skill, or None."""
    text = turn.message.text
    language = foreign_language(text, turn.understanding.language)
    if language:
        return _in_their_language(turn, language)
    if legal_threat(text):
        turn.intent = "complaint"
        turn.state.clear_question()
        escalate(turn, reason="Legal threat or complaint to an authority")
        return Draft(turn.say("legal_handoff"))
    if lost_email(text):
        turn.state.awaiting = Awaiting.EMAIL  # a phone number answers it as well
        return Draft(turn.say("lost_email"))
    if contact_change(text) and turn.intent in ("change_order", "change_address", "other"):
        turn.intent = "change_order"
        escalate(turn, reason="Customer asked to change an order's contact details")
        return Draft(turn.say("contact_change"))
    return None


def _in_their_language(turn: Turn, language: str) -> Draft:
    """We answer in English only: say plainly, in their language, that a person will help."""
    turn.state.clear_question()
    escalate(turn, reason=f"Customer writes in another language ({language})")
    return Draft(HANDOVER_TEXT.get(language) or turn.say("handoff"))
