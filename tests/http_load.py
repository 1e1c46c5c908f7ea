"""A lean HTTP/1.1 client on asyncio streams, for load tests and benchmarks of a server on loopback.

One `Client` is one browser tab: one keep-alive connection, its own cookies, the CSRF token of the page it loaded
(tests/csrf.py says why), gzip accepted. It costs the client process a few tens of microseconds a request, so
hundreds of concurrent clients in one process measure the server, not the client (httpx costs ~20x more).
Only loopback addresses are accepted: load is never sent anywhere else.
"""

from __future__ import annotations

import asyncio
import gzip
import json as jsonlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.csrf import page_token

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class NoReply(Exception):
    """The connection failed, closed or timed out before a whole response came back."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_s: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)


@dataclass
class Client:
    base_url: str
    timeout_s: float = 30.0
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.hostname not in LOOPBACK:
            raise ValueError(f"load goes to loopback only, not {parts.hostname!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.authority = parts.netloc

    async def open_page(self, path: str = "/settings") -> Reply:
        """Load a page as a browser would: keep its cookie, send its CSRF token from now on."""
        reply = await self.request("GET", path)
        if reply.status != 200:
            raise NoReply(f"GET {path} answered {reply.status}")
        self.token = page_token(reply.text)
        return reply

    async def request(self, method: str, path: str, *, json: Any = None, form: dict[str, str] | None = None,
                      headers: dict[str, str] | None = None) -> Reply:
        body = b""
        sent = {"Host": self.authority, "Accept-Encoding": "gzip", "Accept": "text/html,application/json"}
        if json is not None:
            body, sent["Content-Type"] = jsonlib.dumps(json).encode(), "application/json"
        elif form is not None:
            body, sent["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        if method not in ("GET", "HEAD"):
            sent["Content-Length"] = str(len(body))
            if self.token:
                sent["X-CSRFToken"] = self.token
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent.update(headers or {})
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in sent.items()) + "\r\n"
        started = time.perf_counter()
        try:
            return await asyncio.wait_for(self._exchange(head.encode("utf-8") + body, started), self.timeout_s)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            await self.close()
            raise NoReply(f"{method} {path}: {type(error).__name__}: {error}") from error

    async def _exchange(self, data: bytes, started: float) -> Reply:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(data)
        await self._writer.drain()
        status_line = await self._reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        cookies: list[str] = []
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            headers[name] = value
        if headers.get("transfer-encoding") == "chunked":
            body = await self._chunked()
        else:
            body = await self._reader.readexactly(int(headers.get("content-length", "0")))
        for cookie in cookies:
            pair = cookie.split(";", 1)[0]
            cookie_name, _, cookie_value = pair.partition("=")
            self.cookies[cookie_name.strip()] = cookie_value.strip()
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status=status, headers=headers, body=body, elapsed_s=time.perf_counter() - started)

    async def _chunked(self) -> bytes:
        assert self._reader is not None
        parts = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


@dataclass
class Tally:
    """What a run of requests came to: latencies of the answered ones, counts by status, failures by kind."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def add(self, reply: Reply) -> None:
        self.latencies_s.append(reply.elapsed_s)
        self.statuses[reply.status] = self.statuses.get(reply.status, 0) + 1
        if reply.status >= 500 and len(self.examples) < 5:
            self.examples.append(f"{reply.status}: {reply.text[:300]}")

    def fail(self, error: NoReply) -> None:
        kind = "timeout" if "TimeoutError" in str(error) else "no reply"
        self.failures[kind] = self.failures.get(kind, 0) + 1
        if len(self.examples) < 5:
            self.examples.append(str(error)[:300])

    def merge(self, other: Tally) -> None:
        self.latencies_s += other.latencies_s
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        for kind, count in other.failures.items():
            self.failures[kind] = self.failures.get(kind, 0) + count
        self.examples += other.examples[: 5 - len(self.examples)]

    @property
    def count(self) -> int:
        return len(self.latencies_s)

    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500) + sum(self.failures.values())

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def closed_loop(base_url: str, request: Callable[[Client, int], Awaitable[Reply]], *, clients: int,
                      duration_s: float, warmup_s: float = 1.0, page: str | None = "/settings") -> tuple[Tally, float]:
    """`clients` clients, each sending its next request when the last is answered, for warmup_s untimed and then
    duration_s timed; returns the timed tally and the timed seconds. `page` is loaded first for the CSRF token."""
    tally = Tally()
    started = time.perf_counter()
    timed_from, stop_at = started + warmup_s, started + warmup_s + duration_s

    async def one(number: int) -> None:
        client = Client(base_url)
        if page:
            await client.open_page(page)
        sequence = number
        try:
            while (now := time.perf_counter()) < stop_at:
                try:
                    reply = await request(client, sequence)
                except NoReply as error:
                    if now >= timed_from:
                        tally.fail(error)
                    continue
                finally:
                    sequence += clients
                if now >= timed_from:
                    tally.add(reply)
        finally:
            await client.close()

    await asyncio.gather(*(one(number) for number in range(clients)))
    return tally, time.perf_counter() - timed_from
