"""Serve a requests-transport stand-in (EasyPost, Stripe) over real HTTP on 127.0.0.1.

For a process the in-process adapter cannot reach: a Celery worker in an end-to-end test,
the benchmark's workers. The SDKs are pointed at `url` through the settings
SHIPPING_EASYPOST_API_BASE (`url + "/v2"`) and PAYMENTS_STRIPE_API_BASE (`url`).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from requests.structures import CaseInsensitiveDict

from standins.requests_transport import Call, Handler


class StandInServer:
    """Use as a context manager; requests are answered one at a time (the stand-ins keep
    plain dicts, not thread-safe structures)."""

    def __init__(self, handler: Handler) -> None:
        lock = threading.Lock()

        class _Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                url = urlsplit(self.path)
                size = int(self.headers.get("Content-Length") or 0)
                call = Call(
                    method=self.command,
                    path=url.path,
                    query=dict(parse_qsl(url.query, keep_blank_values=True)),
                    headers=CaseInsensitiveDict(dict(self.headers.items())),
                    body=self.rfile.read(size) if size else b"",
                )
                with lock:
                    answer = handler(call)
                body = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = do_PATCH = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> StandInServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
