"""Questions about a rule, not requests to act: "in which cases can I get my money back?".

Words alone make such a question look like the request ("money back" -> refund_request). The
frame around them says otherwise: "in which cases", "under what conditions", "what is your
policy on", "is there a fee", "how long does a refund take", "do you accept". A message in
one of these frames is answered from the store's knowledge base and never starts the action;
an order number in it makes it about that order again, so it is not reframed.
"""

from __future__ import annotations

import re

# Intents that start something; a general question is never one of them.
ACTION_INTENTS = frozenset(
    {"refund_request", "return_request", "cancel_order", "change_order", "change_address"}
)
_GENERAL = re.compile(
    r"\b(?:in|under)\s+(?:which|what)\s+(?:cases?|conditions?|circumstances?|situations?)\b"
    r"|\bwhat\s+(?:is|are|s)\s+(?:your|the)\s+(?:policy|policies|rules?|conditions?|terms)\b"
    r"|\b(?:policy|rules?|conditions?)\s+(?:on|for|about|regarding)\b"
    r"|\b(?:is|are)\s+there\s+(?:any\s+|a\s+)?(?:fees?|charges?|penalt\w+|costs?)\b"
    r"|\b(?:fees?|charges?|penalt\w+)\s+(?:for|to|if|when)\s+(?:cancel|return|exchang|chang)\w*"
    r"|\bhow\s+(?:long|many\s+days)\s+(?:do|does|will)\s+(?:a\s+|the\s+)?"
    r"(?:refunds?|returns?|exchanges?|cancellations?)\b"
    r"|\bhow\s+do\s+(?:refunds|returns|exchanges|cancellations)\s+work\b"
    r"|\b(?:cost|pay|charge|fee)\w*\s+(?:\w+\s+){0,2}(?:to|if|for|when)\s+(?:i\s+|you\s+)?"
    r"(?:cancel|return|exchang|send\w*\s+back)\w*"
    r"|\b(?:up\s+to|until)\s+when\b"
    r"|\bin\s+general\b|\bgenerally\b",
    re.I,
)


def is_general_question(text: str) -> bool:
    """Is `text` framed as a question about the store's rules (see the module docstring)?"""
    return _GENERAL.search(text) is not None
