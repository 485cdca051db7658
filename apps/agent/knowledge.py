"""Which of the store's knowledge entries answer a question (also used by the dashboard).

A small, dependency-free ranking: words are folded to a crude stem, a handful of
shop-talk synonyms are merged, and an entry's score is the share of the question's
informative words (weighted by how rare they are among the store's entries) that it
contains — words in its title or policy type count more, and naming its topic at all
earns a bonus. Scores run from 0 to 1.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from apps.stores.models import KnowledgeEntry, Store

# Below this an entry is not taken as the answer; the agent says it does not know.
MIN_SCORE = 0.4
# Added when a word of the question is in the entry's title or policy type.
TITLE_BONUS = 0.25
# Phrases that mean one thing, folded before the words are split.
_PHRASES = (
    (re.compile(r"customer (?:service|support|care)|support team|help desk"), "contact"),
    (re.compile(r"opening times|business hours"), "hours"),
)

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    """
    a about after again all am an and any are as at be been before being but by can could
    did do does doing for from get got had has have having he her here hi hello hey how i if
    in into is it its just know let like me my myself need no not of on or our out over please
    policy policies question really she should so some store shop tell than thank thanks that
    the their them then there these they this those to too up us very want was way we were what
    when where which while who why will with would you your yours
    long take takes taking much many often soon usually normally typically allow allowed able
    possible available offer offers provide work works info information detail details rule
    rules say says said ok okay also still anything actually right correct true yes sure
    last week told customer customers
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# Different words customers use for the same thing, folded onto one key.
_SYNONYMS = {
    "refund": "return",
    "money": "return",
    "exchange": "return",
    "deliver": "ship",
    "delivery": "ship",
    "shipping": "ship",
    "postage": "ship",
    "arrive": "ship",
    "wrap": "gift",
    "wrapping": "gift",
    "coupon": "discount",
    "promo": "discount",
    "voucher": "discount",
    "guarantee": "warranty",
    "fit": "size",
    "sizing": "size",
    "small": "size",
    "big": "size",
    "large": "size",
    "tight": "size",
    "loose": "size",
    "hour": "hours",
    "open": "hours",
    "phone": "contact",
    "email": "contact",
    "reach": "contact",
    "international": "abroad",
    "overseas": "abroad",
    "worldwide": "abroad",
    "data": "privacy",
    "personal": "privacy",
}


def _stem(word: str) -> str:
    """A crude singular / verb stem: refunds -> refund, shoes -> shoe, boxes -> box."""
    if len(word) < 4 or word.isdigit():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    return word


def terms(text: str) -> list[str]:
    """The informative words of `text`, folded (stems and synonyms), in order."""
    text = text.lower()
    for pattern, key in _PHRASES:
        text = pattern.sub(key, text)
    found = []
    for word in _WORD.findall(text):
        # Numbers are claims to check, not topics ("a 90 day return policy").
        if word in _STOPWORDS or len(word) < 2 or word.isdigit():
            continue
        key = _SYNONYMS.get(word) or _SYNONYMS.get(_stem(word)) or _stem(word)
        found.append(key)
    return found


@dataclass(frozen=True)
class _Doc:
    entry: KnowledgeEntry
    title_terms: frozenset[str]
    body_terms: frozenset[str]


def knowledge_search(store: Store, question: str) -> list[tuple[KnowledgeEntry, float]]:
    """The store's entries that share words with `question`, best first, with scores in (0, 1].

    Scoped to `store`; one query. Callers decide what score is good enough (see MIN_SCORE).
    """
    wanted = list(dict.fromkeys(terms(question)))
    if not wanted:
        return []
    docs = [
        _Doc(
            entry=e,
            title_terms=frozenset(terms(f"{e.title} {e.policy_type}")),
            body_terms=frozenset(terms(e.body)),
        )
        for e in KnowledgeEntry.objects.filter(store=store).order_by("id")
    ]
    if not docs:
        return []
    weights = {t: _idf(t, docs) for t in wanted}
    total = sum(weights.values())
    ranked = []
    for doc in docs:
        score = sum(_hit(t, doc) * weights[t] for t in wanted) / total
        if any(t in doc.title_terms for t in wanted):
            score += TITLE_BONUS  # the question names what the entry is about
        if score > 0:
            ranked.append((doc.entry, round(min(score, 1.0), 4)))
    ranked.sort(key=lambda pair: (-pair[1], pair[0].pk))
    return ranked


def _idf(term: str, docs: list[_Doc]) -> float:
    # A word no entry uses weighs like a rare one: it lowers the score of a question about
    # something the store never wrote about, without drowning the words that do match.
    df = max(1, sum(1 for d in docs if term in d.body_terms or term in d.title_terms))
    return math.log(1 + (len(docs) + 1) / (df + 0.5))


def _hit(term: str, doc: _Doc) -> float:
    if term in doc.title_terms:
        return 1.0
    return 0.75 if term in doc.body_terms else 0.0


def best_sentences(body: str, question: str, *, limit: int = 3, short: int = 320) -> str:
    """The part of an entry that answers `question`: all of it when short, else its best
    sentences in their original order."""
    text = " ".join(body.split())
    if len(text) <= short:
        return text
    sentences = [s.strip() for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()]
    wanted = set(terms(question))
    scored = [(len(wanted & set(terms(s))), i) for i, s in enumerate(sentences)]
    chosen = sorted(i for score, i in sorted(scored, key=lambda p: (-p[0], p[1]))[:limit] if score)
    if not chosen:
        chosen = list(range(min(limit, len(sentences))))
    return " ".join(sentences[i] for i in chosen)
