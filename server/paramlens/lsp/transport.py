"""Reading stdin on the event loop itself, and results that are already JSON.

pygls reads every header line and body of a message through a thread pool (``run_in_executor``): three
hand-offs between threads per message, each waiting for the interpreter lock. While an analysis runs on
its own thread that wait is long, and a hover sent during a re-analysis took tens of milliseconds to be
read at all. Here the loop watches the pipe (``connect_read_pipe``) and reads messages with no thread.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True, slots=True)
class Encoded:
    """A result already encoded as UTF-8 JSON, which the server writes into its response as it is."""

    data: bytes


class PipeReader:
    """pygls' reader protocol (``readline``, ``readexactly``) over an asyncio stream on a pipe."""

    def __init__(self, stdin: BinaryIO) -> None:
        self._stdin = stdin
        self._stream: asyncio.StreamReader | None = None

    async def _opened(self) -> asyncio.StreamReader:
        if self._stream is None:
            loop = asyncio.get_running_loop()
            stream = asyncio.StreamReader(limit=2**31 - 1, loop=loop)
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream, loop=loop), self._stdin)
            self._stream = stream
        return self._stream

    async def readline(self) -> bytes:
        return await (await self._opened()).readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await (await self._opened()).readexactly(n)
        except asyncio.IncompleteReadError as exc:  # the client went away mid-message: pygls stops on b""
            return exc.partial if len(exc.partial) == n else b""


def watchable(stdin: BinaryIO) -> bool:
    """Whether the event loop can watch this stdin (a pipe or socket on a POSIX system, not a file)."""
    if sys.platform == "win32":
        return False
    try:
        import os
        import stat

        mode = os.fstat(stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)
