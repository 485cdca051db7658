"""understand(): intent, entities and dialogue flags for one customer message.

Decision order (first match wins): an explicit request for a person; an answer to what the
agent was awaiting (dialogue.py); an empty message; greetings only; an order number only; a bare
yes/no; no word the classifier has ever seen ("other", source "unknown"); otherwise the
classifier (model.py).

Around the intent: what the customer turns down (negation.py) is never the intent; several asks
in one message are each named (clauses.py); two close intents the classifier cannot separate
are reported as `unsure_between`, so the agent asks instead of guessing.
"""

from __future__ import annotations

from apps.agent.understanding import dialogue, rules
from apps.agent.understanding.analysis import Analysis, analyse, tokens_for
from apps.agent.understanding.clauses import split_clauses
from apps.agent.understanding.frames import ACTION_INTENTS, is_general_question
from apps.agent.understanding.language import guess_language
from apps.agent.understanding.model import IntentModel, get_model
from apps.agent.understanding.negation import refused_intents
from apps.agent.understanding.text import raw_tokens
from apps.agent.understanding.types import INTENTS, Understanding

TOP_SCORES = 4
# Pairs a support lead would not guess between: asking about a rule vs asking for the action,
# a refund under way vs a new one. Below CLARIFY_MARGIN between the two, the agent asks.
CLOSE_PAIRS = frozenset(
    frozenset(pair)
    for pair in (
        ("policy_question", "refund_request"),
        ("policy_question", "return_request"),
        ("policy_question", "cancel_order"),
        ("policy_question", "change_order"),
        ("policy_question", "payment_issue"),
        ("refund_status", "refund_request"),
        ("refund_status", "order_status"),
        ("return_request", "change_order"),
    )
)
CLARIFY_MARGIN = 0.2
# A piece of a longer message counts as a further request only when this sure of itself.
CLAUSE_CONFIDENCE = 0.6


def understand(
    text: str, *, previous_intent: str | None = None, awaiting: str | None = None
) -> Understanding:
    """Understand one message. Never raises on any str input; see the module docstring."""
    if previous_intent not in INTENTS:
        previous_intent = None
    a = analyse(text if isinstance(text, str) else "")
    yes, no = rules.yes_no(a.text)
    refused = refused_intents(a.text)
    human = rules.wants_human(a.text) and "human_handoff" not in refused

    def result(
        intent: str,
        confidence: float,
        scores: dict[str, float],
        source: str,
        answers: str | None = None,
        *,
        requests: tuple[str, ...] = (),
        unsure_between: tuple[str, ...] = (),
    ) -> Understanding:
        return Understanding(
            intent=intent,
            confidence=confidence,
            scores=scores,
            entities=a.extraction.entities,
            is_affirmative=yes,
            is_negative=no,
            wants_human=human,
            answers=answers,
            language=guess_language(a.text, raw_tokens(a.text[:400])),
            source=source,
            truncated=a.truncated,
            refused=refused,
            requests=requests,
            unsure_between=unsure_between,
        )

    if human:
        return result("human_handoff", 1.0, {"human_handoff": 1.0}, "rule")
    if awaiting:
        answered = _as_answer(a, awaiting, previous_intent, yes, no)
        if answered is not None:
            intent, confidence = answered
            return result(intent, confidence, {intent: confidence}, "answer", answers=awaiting)
    fixed = _rule_intent(a, previous_intent, yes or no)
    if fixed is not None:
        intent, source = fixed
        return result(intent, 1.0, {intent: 1.0}, source)
    model = get_model()
    if not model.knows_any_word(a.tokens):
        # Gibberish, or a language the training never saw: nothing to go on.
        return result("other", 1.0, {"other": 1.0}, "unknown")
    every = _without(model.scores(a.tokens), refused)
    if _reframe(a, every):
        every = _as_policy_question(every)
    scores = _top(every)
    intent = next(iter(scores))
    return result(
        intent,
        scores[intent],
        scores,
        "model",
        requests=_requests(model, a.text, intent, refused),
        unsure_between=_unsure(scores, has_order=bool(a.extraction.entities.order_numbers)),
    )


def _reframe(a: Analysis, scores: dict[str, float]) -> bool:
    """A general question about a rule that the words made look like the request itself."""
    best = max(scores, key=scores.__getitem__)
    return (
        best in ACTION_INTENTS
        and not a.extraction.entities.order_numbers
        and is_general_question(a.text)
    )


def _as_policy_question(scores: dict[str, float]) -> dict[str, float]:
    """The request's probability moved to policy_question: it is the same question, asked
    about the rule."""
    best = max(scores, key=scores.__getitem__)
    moved = dict(scores)
    moved["policy_question"] = moved.get("policy_question", 0.0) + moved.pop(best)
    moved[best] = 0.0
    return moved


def _without(scores: dict[str, float], refused: tuple[str, ...]) -> dict[str, float]:
    """The scores with the refused intents taken out (renormalised)."""
    kept = {i: p for i, p in scores.items() if i not in refused}
    total = sum(kept.values())
    if not refused or not total:
        return scores
    return {i: p / total for i, p in kept.items()}


def _unsure(scores: dict[str, float], *, has_order: bool) -> tuple[str, ...]:
    (first, p1), (second, p2) = list(scores.items())[:2]
    if has_order:
        return ()  # about that order: its own state decides, and actions are confirmed anyway
    if frozenset((first, second)) in CLOSE_PAIRS and p1 - p2 < CLARIFY_MARGIN:
        return (first, second)
    return ()


def _requests(
    model: IntentModel, text: str, intent: str, refused: tuple[str, ...]
) -> tuple[str, ...]:
    """Every ask in the message, the main intent first; () when there is only one."""
    clauses = split_clauses(text)
    if len(clauses) < 2:  # noqa: PLR2004 - one clause is one ask
        return ()
    found = [intent]
    for clause in clauses:
        scores = _without(model.scores(tokens_for(clause)), refused)
        best = max(scores, key=scores.__getitem__)
        if scores[best] >= CLAUSE_CONFIDENCE and best not in ("greeting", "other", *found):
            found.append(best)
    return tuple(found) if len(found) > 1 else ()


def _as_answer(
    a: Analysis, awaiting: str, previous_intent: str | None, yes: bool, no: bool
) -> tuple[str, float] | None:
    entities = a.extraction.entities
    if not dialogue.answer_present(awaiting, entities, yes, no, a.text):
        return None
    if rules.is_greeting_only(a.tokens):
        return None
    intent = dialogue.answer_intent(previous_intent, entities)
    if not dialogue.residual(a.tokens):
        return intent, 1.0
    scores = get_model().scores(a.tokens)
    best = max(scores, key=scores.__getitem__)
    # Only a new request overrides the answer: "no thanks, keep it" is still a no.
    overriding = best != intent and best not in ("greeting", "other")
    if overriding and scores[best] >= dialogue.override_threshold(awaiting):
        return None
    return intent, 1.0 - scores[best] if best != intent else scores[best]


def _rule_intent(
    a: Analysis, previous_intent: str | None, yes_or_no: bool
) -> tuple[str, str] | None:
    entities = a.extraction.entities
    if not a.tokens and not yes_or_no:
        return "other", "empty"
    if rules.is_greeting_only(a.tokens):
        return "greeting", "rule"
    if dialogue.residual(a.tokens):
        return None
    if entities.order_numbers:
        return previous_intent or "order_status", "rule"
    if yes_or_no or not a.tokens:
        return previous_intent or "other", "rule"
    return None


def _top(scores: dict[str, float]) -> dict[str, float]:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], INTENTS.index(kv[0])))
    return {intent: round(p, 4) for intent, p in ranked[:TOP_SCORES]}
