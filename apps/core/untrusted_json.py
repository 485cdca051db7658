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

# The structure of a document without its text: escapes go first (so an escaped quote
# cannot end a string), then every byte but quotes and brackets, then the strings (which
# hold only brackets by then). All of it runs in C, at a fraction of a full parse's cost.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STRING = re.compile(rb'"[^"]*"')
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


class InvalidJSON(ValueError):
    """Not JSON we accept; the message says why and is safe to show."""


def nesting_exceeds(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects in `text` nest deeper than `limit` (or are unbalanced).

    Cheap enough for the webhook hot path: a text with fewer brackets than `limit` is
    answered by two counts; otherwise the brackets outside strings are kept and innermost
    pairs removed one level per pass, all in C, never in the Python or PostgreSQL stack.
    """
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    if b"\\" in raw:
        raw = _ESCAPE.sub(b"", raw)
    # Adjacent quotes are an empty string or the end of one and the start of the next (only
    # `:` or `,` stood between them): dropping them keeps every bracket on its side.
    skeleton = raw.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    skeleton = _STRING.sub(b"", skeleton)
    # A run of openers longer than the limit is the usual attack: no pass needed.
    if re.search(rb"[\[{]{%d}" % (limit + 1), skeleton):
        return True
    for _ in range(limit):
        if not skeleton:
            return False
        skeleton, removed = _INNERMOST_PAIR.subn(b"", skeleton)
        if not removed:
            return True  # unbalanced (or a stray quote): not JSON anyway
    return bool(skeleton)


def _refuse_constant(name: str) -> Any:
    raise InvalidJSON(f"{name} is not JSON")


def parse_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Any JSON value from UTF-8 `raw`; raises InvalidJSON for anything we would not store."""
    if nesting_exceeds(raw, max_depth):
        raise InvalidJSON(f"nested deeper than {max_depth} levels")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidJSON("not UTF-8") from None
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
