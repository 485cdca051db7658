"""Which of the store's knowledge entries answer a question, and which passage of it
(also used by the dashboard's preview).

A small, dependency-free ranking: words are folded to a crude stem, a handful of
shop-talk synonyms are merged, and an entry's score is the share of the question's
informative words (weighted by how rare they are among the store's entries) that it
contains — words in its title or policy type count more, and naming its topic at all
earns a bonus. Scores run from 0 to 1.

Passages: a policy is a list of rules, and the customer asked about one of them.
Each entry is cut into passages (sentences, and the clauses of a sentence that lists rules
with semicolons), each quoted exactly as written. `best_passage` scores every passage the same
way, weighing words that name a topic (returns, shipping, payment...) above the ones that
only qualify it ("a different size"), and says why: the question's words it matched, and any
place or payment method the question names that the passage does not cover, so the agent
can say so plainly instead of pasting the whole policy.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from apps.agent.understanding.entities.names import (
    PAYMENT,
    PLACE,
    Named,
    count_kind,
    covers,
    mentions_kind,
    named_things,
)
from apps.stores.models import KnowledgeEntry, Store

# Below this an entry is not taken as the answer; the agent says it does not know.
MIN_SCORE = 0.4
# Added when a word of the question is in the entry's title or policy type.
TITLE_BONUS = 0.25
# Phrases that mean one thing, folded before the words are split.
_PHRASES = (
    (re.compile(r"customer (?:service|support|care)|support team|help desk"), "contact"),
    (re.compile(r"opening times|business hours"), "hours"),
    (re.compile(r"\b(?:send|sent|sending|mail|post)\w*\s+(?:\w+\s+)?back\b"), "return"),
    (re.compile(r"\bmoney\s+back\b"), "refund"),
    (re.compile(r"\bprice\s*(?:match\w*|adjust\w*|guarantee)"), "pricematch"),
    (re.compile(r"\bnext[- ]day\b"), "express"),
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
    possible available offer offers provide work works info information rule
    rules say says said ok okay also still anything actually right correct true yes sure
    last week told customer customers
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# Different words customers use for the same thing, folded onto one key.
_SYNONYMS = {
    "money": "refund",
    "reimburse": "refund",
    "reimbursement": "refund",
    "refundable": "refund",
    "exchange": "return",
    "returnable": "return",
    "deliver": "ship",
    "delivery": "ship",
    "shipping": "ship",
    "postage": "ship",
    "arrive": "ship",
    "parcel": "ship",
    "package": "ship",
    "wrapping": "wrap",
    "present": "gift",
    "customs": "duty",
    "import": "duty",
    "regular": "standard",
    "normal": "standard",
    "fast": "express",
    "faster": "express",
    "quick": "express",
    "quicker": "express",
    "quickest": "express",
    "rush": "express",
    "urgent": "express",
    "overnight": "express",
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


# A title naming one of these is about the other too: a "Refund policy" sets the return rules.
_TITLE_ALSO = {"refund": ("return",), "return": ("refund",)}


def title_terms(title: str, policy_type: str) -> frozenset[str]:
    found = terms(f"{title} {policy_type}")
    return frozenset(found + [also for t in found for also in _TITLE_ALSO.get(t, ())])


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
            title_terms=title_terms(e.title, e.policy_type),
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


# ---------------------------------------------------------------- passages

# Words that say what a question is about, not how: they weigh this much more than the rest,
# so "exchange for a different size" is about exchanges, not sizing.
TOPIC_WEIGHT = 2.0
TOPIC_TERMS = frozenset(
    terms(
        "refund return ship deliver discount code warranty gift wrap privacy contact hours "
        "cancel cancellation pay payment price tax duties customs size"
    )
) - {"size"}
# A passage of the same entry scoring at least this share of the best one is quoted with it.
ALSO_SHARE = 0.8
MAX_PASSAGES = 2
# What the kind of answer asked for weighs, against one informative word of the question.
KIND_WEIGHT = 2.0
# A word matched only through the entry's title counts this much (it is about the whole entry).
TITLE_HIT = 1.0
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|\n\s*\n")
_CLAUSE = re.compile(r";\s+")
# Shorter than this, a clause is not worth quoting alone: it stays joined to its neighbour.
MIN_PASSAGE_CHARS = 25


@dataclass(frozen=True)
class Passage:
    """A piece of an entry's body, exactly as written; `index` is its place in the entry."""

    entry: KnowledgeEntry
    index: int
    text: str


@dataclass(frozen=True)
class PassageMatch:
    """The passage that answers, and why: `matched` are the question's words it has (folded),
    `also` further passages of the same entry that answer too, `missing` what the question
    names that the passage does not cover ("Australia"), `score` in (0, 1]."""

    passage: Passage
    score: float
    matched: tuple[str, ...]
    also: tuple[Passage, ...] = ()
    missing: tuple[Named, ...] = ()

    @property
    def passages(self) -> tuple[Passage, ...]:
        return tuple(sorted((self.passage, *self.also), key=lambda p: p.index))

    @property
    def quoted(self) -> str:
        """The passages as quotes, in the entry's order (never reworded)."""
        return " ".join(f"“{p.text}”" for p in self.passages)

    @property
    def covered(self) -> bool:
        return not self.missing


def split_passages(entry: KnowledgeEntry) -> list[Passage]:
    """The entry's sentences, and the clauses of sentences that list rules with "; "."""
    pieces: list[str] = []
    for sentence in _SENTENCE.split(entry.body.strip()):
        clauses: list[str] = []
        for clause in _CLAUSE.split(" ".join(sentence.split())):
            short = len(clause) < MIN_PASSAGE_CHARS or (
                clauses and len(clauses[-1]) < MIN_PASSAGE_CHARS
            )
            if clauses and short:
                clauses[-1] = f"{clauses[-1]}; {clause}"  # as written: the clauses were joined so
            elif clause:
                clauses.append(clause)
        pieces.extend(clauses)
    return [Passage(entry, i, text) for i, text in enumerate(pieces)]


def best_passage(store: Store, question: str) -> PassageMatch | None:
    """The passage of the store's entries that best answers `question`, or None.

    Scoped to `store`; one query. The score is comparable to knowledge_search's (callers use
    MIN_SCORE the same way).
    """
    names = named_things(question)
    # A place or a way to pay is matched as a thing (with its aliases and regions), not a word.
    named_words = set(terms(" ".join(n.spelled for n in names)))
    wanted = [t for t in dict.fromkeys(terms(question)) if t not in named_words]
    if not wanted and not names:
        return None
    entries = list(KnowledgeEntry.objects.filter(store=store).order_by("id"))
    passages = [p for e in entries for p in split_passages(e)]
    if not passages:
        return None
    titles = {e.pk: title_terms(e.title, e.policy_type) for e in entries}
    bodies = [frozenset(terms(p.text)) for p in passages]
    weights = {t: _passage_idf(t, bodies, titles) * _topic(t) for t in wanted}
    asked = asked_kinds(question, names)
    abroad = _abroad(names, store.currency)
    total = sum(weights.values()) + KIND_WEIGHT * len(asked)
    scored = []
    for passage, body in zip(passages, bodies, strict=True):
        title = titles[passage.entry.pk]
        hits = {t: 1.0 if t in body else TITLE_HIT if t in title else 0.0 for t in wanted}
        score = sum(hits[t] * weights[t] for t in wanted)
        kinds = {k: kind_hit(k, passage.text, names, abroad=abroad) for k in asked}
        score += KIND_WEIGHT * sum(kinds.values())
        score = score / total if total else 0.0
        if any(t in title for t in wanted):
            score += TITLE_BONUS
        words = tuple(t for t in wanted if hits[t])
        things = tuple(f"<{k}>" for k in asked if kinds[k])
        # A passage must share a word, or speak to the place / way to pay the question names;
        # being "a duration" or "a price" alone answers nothing.
        if words or any(f"<{n.kind}>" in things for n in names):
            scored.append((score, passage, words + things))
    if not scored:
        return None
    scored.sort(key=lambda s: (-s[0], s[1].entry.pk, s[1].index))
    best, passage, matched = scored[0]
    score = round(min(best, 1.0), 4)
    also = tuple(
        p
        for s, p, m in scored[1:]
        if p.entry.pk == passage.entry.pk and s >= ALSO_SHARE * best and set(m) & _content(matched)
    )[: MAX_PASSAGES - 1]
    missing = _uncovered(names, (passage, *also))
    # A place or way to pay the best passage leaves out may be covered elsewhere in the entry
    # ("how long to France?": the delivery times, and the list of countries).
    covering = next(
        (
            p
            for _, p, _ in scored[1:]
            if p.entry.pk == passage.entry.pk and not _uncovered(missing, (p,))
        ),
        None,
    )
    if missing and covering is not None:
        also = (*also[: MAX_PASSAGES - 2], covering)
        missing = _uncovered(names, (passage, *also))
    if missing:
        # Saying "it does not mention Australia" quotes what it does name, nothing vaguer.
        named_kinds = {n.kind for n in missing}
        also = tuple(p for p in also if all(count_kind(p.text, k) for k in named_kinds))
    return PassageMatch(passage, score, matched, also, missing)


def _uncovered(names: tuple[Named, ...], passages: tuple[Passage, ...]) -> tuple[Named, ...]:
    quoted = " ".join(p.text for p in passages)
    return tuple(n for n in names if not covers(quoted, n))


def grounded_answer(
    store: Store, question: str, *, min_score: float = MIN_SCORE
) -> PassageMatch | None:
    """The passage to quote for `question`, or None when the store's entries do not answer it.

    None also when the question names a place or a way to pay and the best passage names none
    at all: it is about something else, and quoting it would be pasting, not answering.
    """
    match = best_passage(store, question)
    if match is None or match.score < min_score:
        return None
    quoted = " ".join(p.text for p in match.passages)
    if any(not mentions_kind(quoted, n.kind) for n in match.missing):
        return None
    if PAYMENT in asked_kinds(question, ()) and not mentions_kind(quoted, PAYMENT):
        return None  # "which payment methods do you accept?" and nothing says how to pay
    return match


# What kind of answer a question wants, beyond its words: a place, a way to pay, a duration,
# a cost, an exception, a procedure. Each is (question pattern, passage pattern); a passage
# of the wanted kind earns one more matched "word" ("how long..." wants "3-5 business days").
_KIND_PATTERNS = {
    "duration": (
        r"\bhow (?:long|many (?:business )?days|quickly|fast|soon)\b|\bwhen\b|\bdays?\b",
        r"\b\d+(?:\s*-\s*\d+)?[- ](?:business |working )?(?:day|week|hour|month|year)s?\b",
    ),
    "cost": (
        r"\bhow much\b|\bcosts?\b|\bfees?\b|\bprices?\b|\bcharged?\b|\bfree\b",
        r"[$€£]\s?\d|\bfree\b",
    ),
    "exception": (
        r"\b(?:can ?not|can'?t|not|excluded|exclusions?|exceptions?|except|final[- ]sale)\b",
        r"\b(?:cannot|can't|not|never|excluded|except)\b",
    ),
    "procedure": (
        r"\bhow (?:do|can|should|to) (?:i|we|you)?\b|\bwhere do i\b|\bprocess\b|\bprocedure\b",
        r"^(?:write|contact|email|send|enter|choose|go|click|visit|call|use)\b|\bwrite to\b",
    ),
}
_KIND_RES = {
    kind: (re.compile(q, re.I), re.compile(p, re.I)) for kind, (q, p) in _KIND_PATTERNS.items()
}
_ASKS_WHERE = re.compile(
    r"\bcountr(?:y|ies)\b|\bwhere\b.*\b(?:ship|deliver|send)|\binternational\w*|\babroad\b|"
    r"\boverseas\b|\bworldwide\b",
    re.I,
)
_ASKS_HOW_TO_PAY = re.compile(
    r"\b(?:which|what|accepted|available|your) (?:payment|ways|forms|methods|modes|means)\b|"
    r"\bpayment (?:methods?|options?|modes?|modalities) (?:do|are|can|available|accepted)|"
    r"\bpay(?:ing)? (?:with|by|using|via|in)\b|\baccept\w* (?:payment|cards?)|"
    r"\bhow (?:can|do) i pay\b",
    re.I,
)


def asked_kinds(question: str, names: tuple[Named, ...]) -> tuple[str, ...]:
    """The kinds of answer `question` wants (see _KIND_PATTERNS), plus "place" / "payment
    method" when it names one or asks where / how to pay in general."""
    kinds = [kind for kind, (q, _) in _KIND_RES.items() if q.search(question)]
    named = {n.kind for n in names}
    if PLACE in named or _ASKS_WHERE.search(question):
        kinds.append(PLACE)
    if PAYMENT in named or _ASKS_HOW_TO_PAY.search(question):
        kinds.append(PAYMENT)
    return tuple(kinds)


# The store's own country, from its currency: a named place elsewhere is "international".
_HOME_BY_CURRENCY = {"USD": "US", "GBP": "UK", "CAD": "Canada", "AUD": "Australia", "EUR": "EU"}
_ABROAD = re.compile(r"\b(?:international\w*|abroad|overseas|outside)\b", re.I)


def _abroad(names: tuple[Named, ...], currency: str) -> bool:
    """Does the question name a place outside the store's own country?"""
    home = _HOME_BY_CURRENCY.get(currency.upper())
    places = [n for n in names if n.kind == PLACE]
    return bool(home and places) and any(home not in n.covered_by for n in places)


def kind_hit(kind: str, text: str, names: tuple[Named, ...], *, abroad: bool = False) -> float:
    """How well a passage gives an answer of `kind`: 1 when it covers the thing named or
    lists things of that kind ("we ship to the US, Canada..."), little when it only mentions
    one in passing ("US orders")."""
    if kind in _KIND_RES:
        return 1.0 if _KIND_RES[kind][1].search(text) else 0.0
    if any(n.kind == kind and covers(text, n) for n in names):
        return 1.0
    if kind == PLACE and abroad and _ABROAD.search(text):
        return 1.0  # "international delivery ..." speaks to any place abroad
    count = count_kind(text, kind)
    return 0.0 if not count else 1.0 if count > 1 else 0.25


def _content(matched: tuple[str, ...]) -> set[str]:
    return {t for t in matched if t in TOPIC_TERMS} or set(matched)


def _topic(term: str) -> float:
    return TOPIC_WEIGHT if term in TOPIC_TERMS else 1.0


def _passage_idf(
    term: str, bodies: list[frozenset[str]], titles: dict[int, frozenset[str]]
) -> float:
    df = max(1, sum(1 for b in bodies if term in b) + sum(1 for t in titles.values() if term in t))
    return math.log(1 + (len(bodies) + 1) / (df + 0.5))


_KIND_REASONS = {
    "duration": "gives a time",
    "cost": "gives a price",
    "exception": "states an exception",
    "procedure": "says what to do",
    PLACE: "names the places",
    PAYMENT: "names ways to pay",
}


def explain(match: PassageMatch) -> list[str]:
    """Why this passage was chosen, in words a merchant reads (the dashboard's preview)."""
    words = [t for t in match.matched if not t.startswith("<")]
    kinds = [_KIND_REASONS[t[1:-1]] for t in match.matched if t.startswith("<")]
    reasons = []
    if words:
        reasons.append("shares the words " + ", ".join(f"“{w}”" for w in words))
    reasons.extend(kinds)
    return reasons
