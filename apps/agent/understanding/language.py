"""A cheap guess at the message's language: the script first, then common function words.

Good enough to tell the pipeline "this is not English" so it can answer in kind or hand over;
it returns "" when it cannot tell.
"""

from __future__ import annotations

_SCRIPTS = (
    (0x0400, 0x04FF, "ru"),
    (0x0370, 0x03FF, "el"),
    (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "ar"),
    (0x0900, 0x097F, "hi"),
    (0x0E00, 0x0E7F, "th"),
    (0x3040, 0x30FF, "ja"),
    (0xAC00, 0xD7AF, "ko"),
    (0x4E00, 0x9FFF, "zh"),
)
_STOPWORDS = {
    "en": "the and is my i you to it of for a in not have where what order please can",
    "es": "el la los las de que y en mi por para no es un una pedido dónde donde quiero hola",
    "fr": "le la les de et est mon ma je vous pas une un commande où pour bonjour merci",
    "de": "der die das und ist mein meine ich sie nicht ein eine bestellung wo bitte hallo",
    "pt": "o a os as de que e em meu minha não um uma pedido onde obrigado olá você",
    "it": "il lo la gli le di che e è mio mia non un una ordine dove grazie ciao",
    "nl": "de het een en is mijn ik niet van bestelling waar alstublieft hallo",
}
_STOPSETS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}


def _script(text: str) -> str:
    counts: dict[str, int] = {}
    for ch in text:
        code = ord(ch)
        for low, high, lang in _SCRIPTS:
            if low <= code <= high:
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not counts:
        return ""
    # Japanese text mixes kana with Han characters; any kana at all means Japanese.
    if "ja" in counts:
        return "ja"
    return max(sorted(counts), key=lambda k: counts[k])


def guess_language(text: str, tokens: list[str]) -> str:
    script = _script(text)
    if script:
        return script
    if not tokens:
        return ""
    hits = {lang: sum(t in words for t in tokens) for lang, words in _STOPSETS.items()}
    best = max(sorted(hits), key=lambda k: hits[k])
    if hits[best] == 0:
        return "en" if any(c.isascii() and c.isalpha() for c in text) else ""
    return best
