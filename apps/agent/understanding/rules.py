"""High-precision rules that run before the classifier: they fire rarely and are almost never wrong.

- An explicit request for a person ("speak to a human", "real person", "agent please") is a
  handoff whatever else the message says: DESIGN.md hands over immediately on request.
- A message made only of greetings, thanks or goodbyes is a greeting.
- A message that is only yes/no words is flagged affirmative/negative.
"""

from __future__ import annotations

import re

from apps.agent.understanding.text import raw_tokens
from apps.agent.understanding.words import words

_PERSON = (
    r"(?:human|humans|person|people|agent|representative|rep|manager|supervisor|someone|somebody|"
    r"operator|staff|employee|customer service|support team|team member|live chat|real one)"
)
_HANDOFF = [
    re.compile(p, re.I)
    for p in (
        rf"\b(?:speak|talk|chat|connect|transfer|put|pass|escalate|get)\w*\s+(?:me\s+)?(?:to|with|"
        rf"through to|over to)\s+(?:a|an|the|some|your|real|actual|live|proper)?\s*"
        rf"(?:real|actual|live|proper|human|senior)?\s*{_PERSON}\b",
        r"\b(?:real|actual|live|proper|human)\s+(?:person|human|agent|being|support|rep|"
        r"representative|people|operator)\b",
        r"\b(?:human|agent|representative|operator|manager|person)\s*(?:pls|please|plz|now|asap)\b",
        r"^\W*(?:human|agent|representative|operator|person|rep)\W*(?:please|pls|plz)?\W*$",
        r"\b(?:not|stop|done)\s+(?:talking|chatting|speaking)\s+(?:to|with)\s+(?:a\s+)?"
        r"(?:bot|robot|machine|ai|computer)\b",
        r"\b(?:no|hate|useless|stupid|dumb)\s+(?:more\s+)?(?:bots?|robots?|machines?|ai)\b",
        r"\b(?:want|need|give me|get me|request|requesting)\s+(?:a|an|to)?\s*(?:speak to\s+)?"
        r"(?:a\s+)?(?:human|real person|person|agent|representative|manager|supervisor)\b",
        r"\b(?:can|could|would|please|pls)\s+(?:you\s+|someone\s+|somebody\s+|anyone\s+)?"
        r"(?:call|ring|phone)\s+me\b",
        r"\bcan\s+(?:i|we)\s+(?:call|phone|ring)\s+(?:you|someone|somebody|your)\b",
        r"\b(?:escalate|escalation)\b",
    )
]

_GREETING_WORDS = words(
    """
    hi hii hiii hey heya heyy hello helo hallo hullo howdy yo hiya greetings morning afternoon
    evening good day gday there team all folks guys everyone friend thanks thank you thx ty tysm
    thankyou cheers much so very a lot lots bye goodbye byebye cya see later ok okay great
    awesome perfect cool nice lovely appreciate appreciated it have wonderful nice weekend how
    are doing is going hows today sup whats up what up dear sir madam hru ur u ta speak talk
    catch soon now for loads heaps bunch million again all stuff brilliant fab
    """
)
_GREETING_CORE = words(
    """
    hi hii hiii hey heya heyy hello helo hallo hullo howdy yo hiya greetings morning afternoon
    evening gday thanks thank thx ty tysm thankyou cheers bye goodbye byebye cya sup ta soon
    later
    """
)

# Words that open a yes or a no answer wherever they stand ("yes please", "nope, keep it").
_YES_OPENERS = (
    r"yes|yess+|yeah|yea|yep|yup|yas|sure|ok|okay|okey|kk|alright|all right|absolutely|"
    r"definitely|certainly|of course|please do|go ahead|do it|sounds good|that works|"
    r"confirm(?:ed)?|affirmative|that(?:s| is) (?:right|correct|fine|good)|si|oui|ja"
)
_NO_OPENERS = (
    r"no|nope|nah|naw|no way|not really|not now|not yet|negative|never ?mind|"
    r"that(?:s| is) (?:wrong|not (?:it|right|correct))|nein"
)
# Words that are a yes or a no only when they are (nearly) the whole message: "wrong item" is not.
_YES_ALONE = r"k|correct|right|exactly|perfect|fine|great|indeed|cool|good|yes yes"
_NO_ALONE = r"dont|do not|stop|wrong|incorrect|cancel that|not that|non"
_FILLERS = r"(?:\s+(?:please|pls|plz|thanks|thank you|thx|then|mate|sir|it|that|thats fine))*"
_YES = re.compile(rf"^(?:(?:{_YES_OPENERS})\b|(?:{_YES_ALONE}){_FILLERS}$)")
_NO = re.compile(rf"^(?:(?:{_NO_OPENERS})\b|(?:{_NO_ALONE}){_FILLERS}$)")
_YES_EMOJI = frozenset("👍👌✅✔🙂😊")
_NO_EMOJI = frozenset("👎❌🚫")


# "are you a real person?" asks what we are, it does not ask for someone: read what is left.
_WHAT_ARE_YOU = re.compile(
    r"\b(?:are|r|is)\s+(?:you|u|this|it)\s+(?:an?\s+)?(?:real|actual|live)?\s*"
    r"(?:person|human|bot|robot|machine|ai|agent)\b\??",
    re.I,
)


def wants_human(text: str) -> bool:
    text = _WHAT_ARE_YOU.sub(" ", text)
    return any(p.search(text) for p in _HANDOFF)


def is_greeting_only(tokens: list[str]) -> bool:
    return (
        bool(tokens)
        and all(t in _GREETING_WORDS for t in tokens)
        and any(t in _GREETING_CORE for t in tokens)
    )


def yes_no(text: str) -> tuple[bool, bool]:
    """(affirmative, negative): does the message open with a yes or a no?"""
    plain = " ".join(raw_tokens(text))
    if not plain:
        stripped = text.strip()
        return bool(stripped) and stripped[0] in _YES_EMOJI, bool(stripped) and stripped[
            0
        ] in _NO_EMOJI
    if _NO.match(plain):
        return False, True
    return bool(_YES.match(plain)), False
