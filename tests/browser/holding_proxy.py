"""A loopback HTTP proxy in front of a live server that can hold requests in flight: Chromium sends the save a page
makes on leaving (fetch keepalive) from its network process, out of Playwright's routing, so a test that must delay
that save past a reload holds it here instead."""

from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.server import free_port

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


@dataclass
class Held:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    release: threading.Event = field(default_factory=threading.Event)


class HoldingProxy:
    def __init__(self, upstream_port: int, hold: Callable[[Held], bool]) -> None:
        self.port = free_port()
        self.held: list[Held] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Held(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
                if hold(request):
                    proxy.held.append(request)
                    request.release.wait(30)
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                upstream.request(request.method, request.path, body=request.body or None, headers={
                    name: value for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP})
                response = upstream.getresponse()
                body = response.read()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        for request in self.held:
            request.release.set()
        self.server.shutdown()
