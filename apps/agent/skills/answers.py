"""Policy and FAQ questions, answered only from the store's own knowledge entries."""

from __future__ import annotations

from apps.agent.context import Draft, Turn
from apps.agent.knowledge import MIN_SCORE, best_sentences, knowledge_search
from apps.agent.replies import lines
from apps.agent.state import Awaiting


def policy_question(turn: Turn) -> Draft:
    """The best-matching entry's relevant part; when nothing matches, say so and offer a
    person (never an invented policy)."""
    answer = knowledge_answer(turn)
    if answer is not None:
        return Draft(lines(answer, turn.say("anything_else")))
    turn.state.awaiting = Awaiting.HANDOFF
    return Draft(turn.say("knowledge_unknown"))


def knowledge_answer(
    turn: Turn, *, min_score: float = MIN_SCORE, question: str | None = None
) -> str | None:
    """What the store's own entries say about the message (or about `question`, a part
    of it), or None below `min_score`."""
    question = question or turn.message.text
    ranked = knowledge_search(turn.store, question)
    if not ranked or ranked[0][1] < min_score:
        return None
    entry = ranked[0][0]
    turn.facts.add("knowledge", entry.body)
    turn.facts.add("knowledge_title", entry.title)
    more = ""
    if entry.source_url:
        turn.facts.add("url", entry.source_url)
        more = f"More: {entry.source_url}"
    return lines(
        turn.say("knowledge_opener", title=entry.title),
        best_sentences(entry.body, question),
        more,
    )
