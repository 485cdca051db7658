"""A `requests` transport adapter that answers from a stand-in instead of the network.

The EasyPost and Stripe SDKs send through `requests` (platforms.md §0), which respx does not
see; mounting this adapter on the SDK's session sends each request to `handler` in-process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Answer]


class StandInAdapter(BaseAdapter):
    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body or b""
        call = Call(
            method=(request.method or "GET").upper(),
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers=CaseInsensitiveDict(request.headers),
            body=body.encode() if isinstance(body, str) else body,
        )
        answer = self.handler(call)
        response = requests.Response()
        response.status_code = answer.status
        response._content = json.dumps(answer.body).encode()
        response.headers = CaseInsensitiveDict(
            {"Content-Type": "application/json", **answer.headers}
        )
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass
