"""Product words: what item a customer is talking about, how many, which size and colour.

The catalogue search downstream does the real matching; this only proposes candidate phrases
("blue hoodie", "Aurora lamp", quoted names) so the search has something better than the whole
sentence to look for.
"""

from __future__ import annotations

import re

from apps.agent.understanding.entities.number_words import NUMBER_WORDS
from apps.agent.understanding.words import words

# Words that are also verbs or everyday nouns ("watch", "ring", "case", "card", "book", "top",
# "box") are left out on purpose: a false product term sends the catalogue search astray.
_NOUNS = words(
    """
    shirt tshirt t-shirt tee tank blouse sweater jumper cardigan hoodie hoody sweatshirt jacket
    coat parka vest gilet blazer dress skirt jeans pants trousers shorts leggings joggers
    sweatpants chinos overalls jumpsuit romper pyjamas pajamas pjs robe bra bralette underwear
    boxers briefs socks sock tights swimsuit bikini shoe shoes sneakers trainers boots sandals
    heels slippers loafers cleats hat cap beanie scarf gloves mittens belt bag backpack purse
    handbag wallet tote clutch luggage suitcase umbrella sunglasses bracelet necklace earrings
    earring pendant anklet jewelry jewellery mug cup bottle tumbler plate bowl kettle knife
    blender toaster candle lamp pillow cushion blanket duvet towel rug curtain vase poster chair
    table desk shelf sofa mattress lotion cream serum cleanser moisturizer moisturiser shampoo
    conditioner soap perfume fragrance cologne lipstick mascara palette sunscreen balm toner
    charger cable headphones earbuds earphones speaker keyboard laptop camera tripod battery
    console controller puzzle toy toys doll plush lego bundle giftcard collar leash harness
    coffee tea chocolate snack supplement vitamins jersey apron onesie bib stroller planter
    helmet tent skateboard
    """
)
_PLURAL_EXTRA = {"pairs", "items", "pieces", "pcs", "units", "packs", "boxes", "sets"}
_COLORS = words(
    """
    black white grey gray red blue navy green olive khaki beige cream ivory brown tan pink
    purple lilac lavender yellow mustard orange coral teal turquoise gold silver charcoal
    burgundy maroon mint sage rust denim nude clear transparent multicolor multicolour
    """
)
_MATERIALS = words(
    """
    cotton linen wool merino cashmere silk leather suede denim canvas polyester nylon bamboo
    organic ceramic glass steel stainless wooden wood metal gold silver plastic vegan
    """
)
COLORS_AND_MATERIALS = _COLORS | _MATERIALS
_SIZE_WORDS = {
    "xxs": "XXS",
    "xs": "XS",
    "s": "S",
    "small": "S",
    "m": "M",
    "medium": "M",
    "l": "L",
    "large": "L",
    "xl": "XL",
    "xxl": "XXL",
    "2xl": "XXL",
    "xxxl": "XXXL",
    "3xl": "XXXL",
    "4xl": "4XL",
    "extra small": "XS",
    "extra large": "XL",
    "one size": "ONE SIZE",
}
# Quantities said as phrases; a pair of shoes is one item to return.
_QUANTITY_PHRASES = {"a couple of": 2, "a pair of": 1}
_MODIFIERS = (
    _COLORS
    | _MATERIALS
    | {
        "small",
        "medium",
        "large",
        "mini",
        "kids",
        "mens",
        "womens",
        "long",
        "short",
        "sleeve",
        "new",
        "extra",
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_QUOTED = re.compile(r"[\"“”‘’']([^\"“”‘’']{2,40})[\"“”‘’']")
_SIZE_EXPLICIT = re.compile(
    r"\b(?:size|sz)\s*(?:is|:|of)?\s*(?P<size>(?:us|uk|eu)?\s?\d{1,2}(?:[.,]5)?|x{0,3}[sml]|"
    r"[2-4]?xl|xxs|small|medium|large|extra large|extra small|one size)\b",
    re.I,
)
_SIZE_STANDALONE = re.compile(
    r"\b(?:XXS|XS|XL|XXL|XXXL|[2-4]XL)\b|\b(?i:in|a|an|to|for)\s+(?i:an?\s+)?"
    r"(?P<word>(?i:small|medium|large)|S|M|L)\b"
)
_QUANTITY = re.compile(
    r"\b(?P<count>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a pair of)"
    r"\s*(?:x\s*)?(?P<words>(?:[a-z][a-z\-]*\s+){0,2}[a-z][a-z\-]*)",
    re.I,
)


def _singular(word: str) -> str:
    w = word.lower()
    if w in _NOUNS:
        return w
    for cut in ("es", "s"):
        if w.endswith(cut) and w[: -len(cut)] in _NOUNS:
            return w[: -len(cut)]
    return w


def is_item_word(word: str) -> bool:
    """True for a product noun or a unit ("shirts", "pcs"): "order 100 mugs" is not an order id."""
    w = word.lower()
    return w in _PLURAL_EXTRA or _singular(w) in _NOUNS


def product_terms(text: str) -> list[str]:
    """Candidate product phrases: quoted names, and modifiers + a product noun ("blue hoodie")."""
    terms = [
        m.group(1).strip()
        for m in _QUOTED.finditer(text)
        if " " in m.group(1) or m.group(1)[:1].isupper()
    ]
    words = list(_WORD.finditer(text))
    for i, m in enumerate(words):
        if _singular(m.group(0)) not in _NOUNS:
            continue
        start = i
        while start > 0 and _is_modifier(words, start - 1, text):
            start -= 1
        phrase = text[words[start].start() : m.end()]
        terms.append(phrase.lower() if phrase.islower() else phrase)
    return _dedupe(terms)


def _is_modifier(words: list[re.Match[str]], i: int, text: str) -> bool:
    word = words[i].group(0)
    if text[words[i].end() : words[i + 1].start()].strip(" -"):
        return False  # punctuation between: "shirt, hoodie" are two products, not one
    if word.lower() in _MODIFIERS or _singular(word) in _NOUNS:
        return True
    sentence_start = i == 0 or text[words[i - 1].end() : words[i].start()].strip() in {
        ".",
        "!",
        "?",
    }
    return word[:1].isupper() and not sentence_start and word.lower() not in {"i", "the", "my"}


def quantities(text: str) -> list[tuple[int, str]]:
    """ "2 shirts", "3 blue hoodies", "2x mug": a count followed by modifiers and an item word."""
    found: list[tuple[int, str]] = []
    for m in _QUANTITY.finditer(text):
        words = m.group("words").split()
        end = next((i for i, w in enumerate(words) if is_item_word(w)), None)
        if end is None or any(w.lower() not in _MODIFIERS for w in words[:end]):
            continue
        raw = m.group("count").lower()
        count = int(raw) if raw.isdigit() else _QUANTITY_PHRASES.get(raw) or NUMBER_WORDS[raw]
        if 0 < count <= 999:
            found.append((count, " ".join(words[: end + 1]).lower()))
    return found


_AFTER_SIZE_WORD = words(
    """
    size please pls instead one version for and or but in with thanks
    """
)
_NEXT = re.compile(r"\W*([a-z]+)", re.I)


def sizes(text: str) -> list[str]:
    found = [_size_label(m.group("size")) for m in _SIZE_EXPLICIT.finditer(text)]
    for m in _SIZE_STANDALONE.finditer(text):
        word = m.group("word")
        if word and len(word) > 1 and not _size_context(text, m.end()):
            continue  # "a small town" is not a size; "in a small please" is
        found.append(_size_label(word or m.group(0)))
    return _dedupe(found)


def _size_context(text: str, end: int) -> bool:
    nxt = _NEXT.match(text, end)
    return nxt is None or nxt.group(1).lower() in _AFTER_SIZE_WORD or is_item_word(nxt.group(1))


def _size_label(raw: str) -> str:
    key = re.sub(r"\s+", " ", raw.strip().lower())
    return _SIZE_WORDS.get(key, key.upper())


def colors(text: str) -> list[str]:
    return _dedupe([w.lower() for w in _WORD.findall(text) if w.lower() in _COLORS])


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item and item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out
