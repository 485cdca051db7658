"""Features for the intent classifier: words, word pairs, concepts, character n-grams and the
message's opening words.

Word features carry the meaning; concept features (concepts.py) let a word never seen in
training borrow the evidence of its group; character 3-5-grams inside each word let an unseen
spelling ("refundd", "cancelation") share evidence with the known one. Every feature counts once
per message (binary); character n-grams weigh less than words so they only tip close calls.
"""

from __future__ import annotations

from apps.agent.understanding.concepts import CONCEPTS, DOMAIN_WORDS
from apps.agent.understanding.entities.names import PLACE_WORDS
from apps.agent.understanding.entities.products import COLORS_AND_MATERIALS, is_item_word
from apps.agent.understanding.text import PLACEHOLDERS

WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 1.0
CHAR_WEIGHT = 0.25
CONCEPT_WEIGHT = 2.0
START_WEIGHT = 1.0
CHAR_SIZES = (3, 4, 5)


def _char_grams(word: str) -> set[str]:
    padded = f"<{word}>"
    return {
        padded[i : i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1) if len(padded) > n
    }


def featurize(tokens: list[str]) -> set[str]:
    """The set of features of a token sequence; `weight` gives each one's weight."""
    features = {"w:" + t for t in tokens}
    features.update("k:" + CONCEPTS[t] for t in tokens if t in CONCEPTS)
    if any(is_item_word(t) for t in tokens):
        features.add("k:item")  # any product noun, even one no training line used
    if any(t in COLORS_AND_MATERIALS for t in tokens):
        features.add("k:attribute")
    if any(t in PLACE_WORDS for t in tokens):
        features.add("k:place")  # a country or city: where we ship, whatever the verb
    if not any(t in DOMAIN_WORDS or t in PLACEHOLDERS or is_item_word(t) for t in tokens):
        features.add("k:off_domain")
    for token in tokens:
        if token not in PLACEHOLDERS and len(token) >= 3:
            features.update("c:" + gram for gram in _char_grams(token))
    features.update(f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False))
    if tokens:
        # The opening words frame the ask: "in which cases...", "do you...", "can you cancel".
        features.add("s:" + tokens[0])
        features.add("s:" + "_".join(tokens[:2]))
    return features or {"w:<empty>"}


def weight(feature: str) -> float:
    return _WEIGHTS[feature[0]]


_WEIGHTS = {
    "w": WORD_WEIGHT,
    "b": BIGRAM_WEIGHT,
    "c": CHAR_WEIGHT,
    "k": CONCEPT_WEIGHT,
    "s": START_WEIGHT,
}
