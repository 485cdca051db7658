"""The helpdesk stand-ins over real HTTP, for processes respx cannot reach (a Celery worker,
a benchmark's workers).

Each fake is mounted under `/<provider>`: `http://127.0.0.1:<port>/gorgias/api/tickets`
reaches the Gorgias fake as `https://<its host>/api/tickets`. Point the app at them with
`HELPDESK_API_BASES` (see `api_bases`). Requests are handled one at a time per fake (the
fakes are plain objects), which also makes their rate-limit counting exact.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from standins.helpdesk.standin import StandIn


class HelpdeskServer:
    def __init__(self, fakes: dict[str, StandIn], *, port: int = 0) -> None:
        self.fakes = fakes
        self.locks = {name: threading.Lock() for name in fakes}
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def api_bases(self) -> str:
        """The HELPDESK_API_BASES value that sends each provider's calls here."""
        return ",".join(
            f"{name}={self.url}/{name}{fake.prefix}" for name, fake in self.fakes.items()
        )

    def __enter__(self) -> HelpdeskServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        name, _, rest = path.lstrip("/").partition("/")
        fake = self.fakes.get(name)
        if fake is None:
            return httpx.Response(404, json={"error": "no such stand-in"})
        request = httpx.Request(
            method, f"https://{fake.host}/{rest}", headers=headers, content=body
        )
        with self.locks[name]:
            try:
                return fake.handle(request)
            except httpx.TimeoutException:
                # The fake committed, then "lost" the answer: close without one.
                raise ConnectionAbortedError from None


def _handler(owner: HelpdeskServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "host"}
            try:
                response = owner.answer(self.command, self.path, headers, body)
            except ConnectionAbortedError:
                self.close_connection = True
                return
            content = response.content
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
