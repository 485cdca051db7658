"""JSON bodies for the chat API, with markup characters escaped.

Messages hold whatever shoppers and agents typed. JSON already keeps that as data, and we
send nosniff; escaping <, > and & as \\u003c etc. as well means no byte sequence in a
response can ever be read as HTML, whatever a proxy or an old browser does with it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def json_response(
    body: dict[str, Any], *, status: int = 200, content_type: str = "application/json"
) -> HttpResponse:
    text = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return HttpResponse(text.encode(), status=status, content_type=f"{content_type}; charset=utf-8")
