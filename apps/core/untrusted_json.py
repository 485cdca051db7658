"""Reading JSON that came from outside (chat bodies, webhooks, tokens, provider answers).

Python's parser accepts two things the rest of the stack cannot take, and both used to end
in a 500 with a traceback instead of a 400:
- a lone surrogate escape (`"\\ud800"`) parses into a `str` that cannot be encoded as UTF-8,
  so PostgreSQL refuses it when the value is saved;
- deep nesting well under any size limit (`[[[[...]]]]`) makes the parser raise
  RecursionError, and PostgreSQL's jsonb input fails on its stack depth.
Everything here refuses both as InvalidJSON (a ValueError), as well as NaN/Infinity,
which are not JSON either.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Far deeper than anything we receive (Shopify's order payloads nest about 6 levels).
MAX_JSON_DEPTH = 64

# A string token, escapes included; an unterminated one runs to the end of the text, so
# the match always succeeds and every character is looked at once (no quadratic retries).
_STRING = re.compile(r'"(?:[^"\\]++|\\.?)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_INNERMOST_PAIR = re.compile(r"\[\]|\{\}")
_OPENERS = re.compile(r"[\[{]+")


class InvalidJSON(ValueError):
    """Not JSON we accept; the message says why and is safe to show."""


def nesting_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects in `text` nest deeper than `limit` (or are unbalanced).

    Cheap enough for the webhook hot path: a text with fewer brackets than `limit` is
    answered by two counts; otherwise strings are dropped and innermost pairs removed one
    level per pass, all in the regex engine, never in the Python or PostgreSQL stack.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text))
    # A run of openers longer than the limit is the usual attack: no pass needed.
    if max(map(len, _OPENERS.findall(skeleton)), default=0) > limit:
        return True
    for _ in range(limit):
        if not skeleton:
            return False
        skeleton, removed = _INNERMOST_PAIR.subn("", skeleton)
        if not removed:
            return True  # unbalanced: not JSON anyway
    return bool(skeleton)


def _refuse_constant(name: str) -> Any:
    raise InvalidJSON(f"{name} is not JSON")


def parse_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Any JSON value from UTF-8 `raw`; raises InvalidJSON for anything we would not store."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidJSON("not UTF-8") from None
    if nesting_exceeds(raw, max_depth):
        raise InvalidJSON(f"nested deeper than {max_depth} levels")
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:  # unreachable after the depth check; kept as a last guard
        raise InvalidJSON(f"nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise InvalidJSON("not valid JSON") from exc
    try:
        # A surrogate pair decodes to one character; a lone half cannot be encoded.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJSON("holds a lone surrogate escape") from None
    return value


def parse_json_object(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """A JSON object from `raw`; raises InvalidJSON otherwise (see parse_json)."""
    value = parse_json(raw, max_depth=max_depth)
    if not isinstance(value, dict):
        raise InvalidJSON("not a JSON object")
    return value
