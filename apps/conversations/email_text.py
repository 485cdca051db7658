"""Reading an inbound email as a customer message: the new text only (quoted history and
signatures stripped), and whether the email was written by a person at all (auto-replies,
bounces, lists and our own mail looping back are never answered)."""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_TEXT_CHARS = 4000  # what reaches the agent; the rest is history or noise

# The line that introduces a quoted reply, in the forms the big clients write.
_QUOTE_HEADERS = (
    re.compile(r"^On .{1,200}(wrote|écrit|schrieb|escribió):?\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above "From:"
    re.compile(r"^From:\s.+$", re.IGNORECASE),
    re.compile(r"^Le .{1,200} a écrit\s*:?\s*$", re.IGNORECASE),
    re.compile(r"^Am .{1,200} schrieb .{0,200}:?\s*$", re.IGNORECASE),
)
_SIGNATURES = (
    re.compile(r"^--\s*$"),  # RFC 3676 "-- "
    re.compile(r"^Sent from my \w+", re.IGNORECASE),
    re.compile(r"^Get Outlook for \w+", re.IGNORECASE),
)


def new_text(body: str) -> str:
    """The part of a plain-text reply the customer just wrote."""
    kept: list[str] = []
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            break
        if any(p.match(stripped) for p in _QUOTE_HEADERS):
            # "On … wrote:" wrapped over two lines by the client.
            break
        if (
            stripped.startswith("On ")
            and index + 1 < len(lines)
            and lines[index + 1].strip().endswith("wrote:")
        ):
            break
        if any(p.match(stripped) for p in _SIGNATURES):
            break
        kept.append(line.rstrip())
    # Nothing above the history (a bare forward): the whole body, so nothing is lost.
    text = "\n".join(kept).strip() or body.strip()
    return re.sub(r"\n{3,}", "\n\n", text)[:MAX_TEXT_CHARS]


def html_to_text(html: str) -> str:
    """Plain text from an HTML-only email: quoted blocks dropped, tags removed."""
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", html)
    text = re.sub(r"(?is)<blockquote\b.*?</blockquote>", "", text)
    text = re.sub(r'(?is)<div[^>]*class="?gmail_quote.*', "", text)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    for entity, char in (
        ("&nbsp;", " "),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", '"'),
        ("&#39;", "'"),
        ("&amp;", "&"),
    ):
        text = text.replace(entity, char)
    return re.sub(r"[ \t]+", " ", text)


def is_automatic(headers: Mapping[str, str], sender: str, own_domains: frozenset[str]) -> bool:
    """True for mail no person wrote, or that is ours coming back: never answer it."""
    lowered = {k.lower(): v.strip().lower() for k, v in headers.items()}
    if lowered.get("auto-submitted", "no") not in ("", "no"):
        return True
    if lowered.get("precedence", "") in ("bulk", "junk", "list", "auto_reply"):
        return True
    if any(
        name in lowered for name in ("x-autoreply", "x-autorespond", "list-id", "list-unsubscribe")
    ):
        return True
    if lowered.get("x-auto-response-suppress", "") in ("all", "oof", "autoreply"):
        return True
    local, _, domain = sender.lower().rpartition("@")
    if domain in own_domains:
        return True
    return local in ("mailer-daemon", "postmaster", "noreply", "no-reply", "") or local.startswith(
        "bounce"
    )
