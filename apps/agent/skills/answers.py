"""Policy and FAQ questions, answered only from the store's own knowledge entries."""

from __future__ import annotations

from apps.agent.context import Draft, Turn
from apps.agent.knowledge import MIN_SCORE, grounded_answer
from apps.agent.replies import fmt_list, lines
from apps.agent.skills.proposals import offer_human
from apps.agent.state import Awaiting


def policy_question(turn: Turn) -> Draft:
    """The passage that answers, quoted; when nothing answers, say so and offer a person
    (never an invented policy). Never starts the action the question is about."""
    answer = knowledge_answer(turn)
    if answer is None:
        turn.state.awaiting = Awaiting.HANDOFF
        return Draft(turn.say("knowledge_unknown"))
    if turn.state.awaiting == Awaiting.HANDOFF:
        return Draft(answer)  # it already offers a person
    return Draft(lines(answer, turn.say("anything_else")))


def knowledge_answer(
    turn: Turn, *, min_score: float = MIN_SCORE, question: str | None = None
) -> str | None:
    """The passage(s) of the store's entries that answer the message (or `question`, a part
    of it), quoted as written with a link to the full page, or None below `min_score`. When
    the question names something the passage does not cover ("do you ship to Australia?"), it
    says so and offers a person."""
    match = grounded_answer(turn.store, question or turn.message.text, min_score=min_score)
    if match is None:
        return None
    entry = match.passage.entry
    turn.facts.add("knowledge", entry.body)  # every passage is a verbatim piece of it
    turn.facts.add("knowledge_title", entry.title)
    more = ""
    if entry.source_url:
        turn.facts.add("url", entry.source_url)
        more = turn.say("knowledge_full_page", url=entry.source_url)
    if match.missing:
        names = fmt_list([n.name for n in match.missing])
        opener = turn.say("knowledge_not_covered", title=entry.title, names=names)
        return lines(opener, match.quoted, more, offer_human(turn))
    return lines(turn.say("knowledge_opener", title=entry.title), match.quoted, more)
