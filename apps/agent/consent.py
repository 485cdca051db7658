"""Consent: is this message an unambiguous yes to the very proposal we made?

The classifier reads intent; it is tuned to be helpful, not to be sure. A money action
needs more than that, so the answer to "Shall I cancel order #1003? (yes/no)" is judged
here, strictly and on its own words:

- YES only when the message is a yes and nothing else: yes words, politeness and words
  that name the proposal itself ("yes, cancel it please", "go ahead with #1003").
- NO when it is a no and nothing else ("no", "nope, keep it", "don't").
- UNSURE when it mixes the two ("yes no", "yeah no actually don't", "ok wait, no"),
  hedges ("I guess", "maybe", "hmm"), or asks ("yes?"). We ask again; nothing is done.
- OTHER when it is about something else: another order ("yes but for order 1010"), another
  amount, or words a plain yes does not carry. The proposal is dropped and the message is
  read as a new request.

Separately, `negated_request` spots requests that say the opposite of their keywords
("please DON'T cancel order 1003", "I do not want a refund"), which must never become an
offer to do that thing.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from apps.agent.state import Pending
from apps.agent.understanding.words import words


class Verdict(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    OTHER = "other"


# Phrases first (they contain words that alone would mean something else).
_YES_PHRASES = re.compile(
    r"\b(?:no problem|no worries|of course|go ahead|do it|please do|sounds good|"
    r"that works|all right|that'?s (?:right|correct|fine|good)|yes please|why not)\b"
)
_NO_PHRASES = re.compile(
    r"\b(?:never ?mind|not now|not yet|no thanks|no thank you|leave it|keep it|forget it|"
    r"hold on|hang on|not sure|don'?t know|changed my mind)\b"
)
_YES_WORDS = words(
    """
    yes yess yesss yeah yea ya yep yup yas sure ok okay okey k kk alright absolutely
    definitely certainly confirm confirmed correct affirmative y si oui ja proceed
    """
)
_NO_WORDS = words("no nope nah naw nay not don't dont never stop negative non nein")
# Words that put a yes (or a no) in doubt: ask again.
_HEDGES = words(
    """
    wait actually hmm hmmm um umm maybe perhaps probably possibly guess think unsure but
    instead rather except unless if later tomorrow
    """
)
# Words a plain yes may carry: politeness, and words that name the proposal itself.
_CARRIED = words(
    """
    please pls plz thanks thank you thx ty cheers great perfect good fine cool awesome
    lovely brilliant nice much so very lot a go for it ahead do that this one the order
    my it's its it is that's thats then now right away asap mate sir madam and please
    and i i'd we would like love to want that'd be
    """
)
# Words that name what the proposal does: a yes may repeat them ("yes, cancel it").
_KIND_WORDS = {
    "refund": words("refund refunds refunded money back send request approval team"),
    "cancel_order": words("cancel cancelled cancellation cancelling refund"),
    "change_address": words("change changed update address shipping ship send"),
    "create_return": words("return returns start send back"),
}
_EMOJI_YES = frozenset("👍👌✅✔")
_EMOJI_NO = frozenset("👎❌🚫")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def judge(text: str, pending: Pending) -> Verdict:
    """How the customer answered `pending`; see the module docstring."""
    plain = _plain(text)
    if not plain:
        return _emoji(text)
    yes = bool(_YES_PHRASES.search(plain))
    plain = _YES_PHRASES.sub(" ", plain)
    no = bool(_NO_PHRASES.search(plain))
    plain = _NO_PHRASES.sub(" ", plain)
    words_ = plain.split()
    yes = yes or any(w in _YES_WORDS for w in words_) or any(c in _EMOJI_YES for c in text)
    no = no or any(w in _NO_WORDS for w in words_) or any(c in _EMOJI_NO for c in text)
    if _names_something_else(text, pending):
        return Verdict.OTHER
    hedged = any(w in _HEDGES for w in words_) or "?" in text
    carried = _CARRIED | _KIND_WORDS.get(pending.kind, frozenset()) | _HEDGES
    # Numbers were judged above: only the proposal's own order and amount got this far.
    rest = [
        w
        for w in words_
        if w not in _YES_WORDS and w not in _NO_WORDS and w not in carried and not w.isdigit()
    ]
    if (yes and no) or ((yes or no) and hedged and not rest):
        return Verdict.UNSURE
    if no:
        return Verdict.NO if not rest else Verdict.OTHER
    if yes:
        return Verdict.YES if not rest else Verdict.UNSURE
    return Verdict.UNSURE if hedged and not rest else Verdict.OTHER


def is_bare_yes(text: str) -> bool:
    """A yes (and politeness) with no request of its own: agreement to nothing in particular."""
    plain = _plain(text)
    yes = bool(_YES_PHRASES.search(plain)) or any(w in _YES_WORDS for w in plain.split())
    rest = [w for w in _YES_PHRASES.sub(" ", plain).split() if w not in _YES_WORDS]
    return (yes or (not plain and _emoji(text) is Verdict.YES)) and all(w in _CARRIED for w in rest)


# A yes that agrees to something, as opposed to "ok" / "alright", which may only acknowledge.
_AGREEING = words("yes yess yesss yeah yea ya yep yup yas sure absolutely definitely certainly")
_AGREEING_PHRASES = re.compile(r"\b(?:go ahead|do it|please do|yes please|confirm\w*|proceed)\b")


def agrees(text: str) -> bool:
    """Does a bare yes say "do it" (rather than just "ok")?"""
    plain = _plain(text)
    return bool(_AGREEING_PHRASES.search(plain)) or any(w in _AGREEING for w in plain.split())


def is_bare_no(text: str) -> bool:
    """A no (and politeness) with no request of its own."""
    plain = _NO_PHRASES.sub(" no ", _plain(text))
    tokens = plain.split()
    return any(w in _NO_WORDS for w in tokens) and all(
        w in _NO_WORDS or w in _CARRIED for w in tokens
    )


def _plain(text: str) -> str:
    lowered = text.casefold().replace("’", "'").replace("`", "'")
    lowered = re.sub(r"#\s*0*(\d)", r"\1", lowered)
    return " ".join(re.findall(r"[a-z0-9']+", lowered))


def _emoji(text: str) -> Verdict:
    found = {c for c in text if c in _EMOJI_YES or c in _EMOJI_NO}
    if found and found <= _EMOJI_YES:
        return Verdict.YES
    if found and found <= _EMOJI_NO:
        return Verdict.NO
    return Verdict.UNSURE if found else Verdict.OTHER


def _names_something_else(text: str, pending: Pending) -> bool:
    """A number that is neither the proposal's order nor its amount: another request."""
    own = {_digits(pending.order_name)}
    amount = _decimal(pending.amount)
    for raw in _NUMBER.findall(text.replace("#", " ")):
        if _digits(raw) in own:
            continue
        value = _decimal(raw.replace(",", "."))
        if amount is not None and value is not None and value == amount:
            continue
        return True
    return False


def _digits(text: str) -> str:
    found = re.sub(r"\D", "", text).lstrip("0")
    return found or "0"


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


# ---------------------------------------------------------------- negated requests

_VERBS: dict[str, str] = {
    "cancel_order": r"cancel\w*",
    "refund_request": r"refund\w*|(?:my\s+)?money\s+back",
    "return_request": r"return\w*|send\s+(?:it|them)\s+back",
    "change_address": r"change\w*|update\w*|(?:new|different)\s+address",
    "change_order": r"change\w*|swap\w*|modif\w*",
}
_BETWEEN = (
    r"(?:(?:want|wanna|need|wish|to|a|an|the|my|any|you|u|please|pls|it|this|that|order|"
    r"go|ahead|and|actually|really|ask|asking|for|#?\d+)\s+){0,5}"
)
_NEGATION = (
    r"(?:don'?t|do\s+not|dont|didn'?t\s+(?:want|ask|mean)|did\s+not\s+(?:want|ask|mean)|"
    r"never\s+(?:wanted|asked)|no\s+need\s+to|not\s+(?:looking|trying|going)\s+to|"
    r"no\s+longer\s+(?:want|need)|won'?t\s+need|doesn'?t\s+need)"
)


def negated_request(text: str, intent: str) -> bool:
    """The message asks us NOT to do what `intent` would do ("please don't cancel it")."""
    verb = _VERBS.get(intent)
    if verb is None:
        return False
    plain = " ".join(text.casefold().replace("’", "'").split())
    if re.search(rf"\b{_NEGATION}\s+{_BETWEEN}(?:{verb})\b", plain):
        return True
    noun = {
        "cancel_order": r"cancellation",
        "refund_request": r"refund",
        "return_request": r"return",
    }
    negated_noun = rf"\b(?:not\s+an?|no)\s+{noun.get(intent, '$^')}s?\b"
    return intent in noun and re.search(negated_noun, plain) is not None
