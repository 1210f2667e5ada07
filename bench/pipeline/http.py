"""A minimal HTTP/1.1 keep-alive client on asyncio streams.

httpx spends about a millisecond of CPU per request on a busy 2-core machine, so a generator
built on it would measure itself. Here a request is bytes built once, and an answer is read as
its head and a Content-Length body (what uvicorn sends for JSON)."""

import asyncio
import contextlib
import json
from typing import Any


def build_request(port: int, method: str, path: str, body: Any, token: str) -> bytes:
    """The whole request, head and JSON body, ready to write again and again."""
    payload = json.dumps(body, ensure_ascii=False).encode()
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload


def parse_head(head: bytes) -> tuple[int, int, bool]:
    """(status, content length, whether the server keeps the connection open)."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, keep_alive = 0, True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
    return status, length, keep_alive


class Connection:
    """One keep-alive connection; reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes, timeout: float = 30.0) -> tuple[int, bytes]:
        """Send and read the answer: (status, body)."""
        async with asyncio.timeout(timeout):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self._reader is not None
            try:
                self._writer.write(request)
                await self._writer.drain()
                head = await self._reader.readuntil(b"\r\n\r\n")
                status, length, keep_alive = parse_head(head)
                body = await self._reader.readexactly(length)
            except BaseException:
                await self.close()
                raise
        if not keep_alive:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._writer is not None:
            writer, self._writer, self._reader = self._writer, None, None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
