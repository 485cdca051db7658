"""Reading security headers in tests."""

from __future__ import annotations

from typing import Any


def csp_directives(response: Any) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: value}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


def frame_ancestors(response: Any) -> str:
    """The frame-ancestors directive alone, written as `frame-ancestors ...;`."""
    return f"frame-ancestors {csp_directives(response)['frame-ancestors']};"
