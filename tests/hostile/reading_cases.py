"""Hostile things an import can point at, made in a directory, with the reason the reader gives for
each (``paramlens.files``): the same cases for the reader, ``paramlens check`` and the server."""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path

LIMIT = 10 * 1024 * 1024  # the CLI's and the server's default size limit


@dataclass(frozen=True)
class Hostile:
    name: str
    written: str  # the import as written in the model next to it
    reason: str  # what the reader says, completing "it …"

    def model(self) -> str:
        return f"imports: [{self.written}]\nlayers: [ReLU]\n"

    def message(self) -> str:
        """The engine's import-error for it."""
        return f"Cannot import {self.written!r} (relative to this file): it {self.reason}."


DEVICE = "is a character device, not a regular file"
NAMES = ("dev-zero", "dev-urandom", "fifo", "directory", "symlink-loop", "too-large", "socket", "proc")


def make(where: Path, name: str) -> Hostile:
    """Create the hostile file ``name`` (one of NAMES) in ``where``; the import that points at it."""
    if name == "dev-zero":  # a relative path that normalises to /dev/zero
        return Hostile(name, "../" * len(where.parts) + "dev/zero", DEVICE)
    if name == "dev-urandom":
        return Hostile(name, os.path.relpath("/dev/urandom", where), DEVICE)
    if name == "proc":
        return Hostile(
            name,
            os.path.relpath("/proc/self/status", where),
            "is generated as it is read (as in /proc), not a regular file",
        )
    target = where / f"{name}.arch.yaml"
    if name == "fifo":
        os.mkfifo(target)  # no writer, ever: a plain open() would wait forever
        return Hostile(name, target.name, "is a FIFO (named pipe), not a regular file")
    if name == "directory":
        target.mkdir()
        return Hostile(name, target.name, "is a directory, not a regular file")
    if name == "symlink-loop":
        other = where / "symlink-loop-other.arch.yaml"
        target.symlink_to(other.name)
        other.symlink_to(target.name)
        return Hostile(name, target.name, "is a symlink loop (or a chain of more than 40 links)")
    if name == "too-large":
        with open(target, "wb") as file:  # sparse: its size says too large, nothing needs reading
            file.truncate(LIMIT + 1)
        return Hostile(name, target.name, f"is larger than {LIMIT:,} bytes")
    if name == "socket":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.chdir(where):  # a relative name: socket paths are limited to 108 bytes
            server.bind(target.name)
        server.close()  # the socket file stays
        return Hostile(name, target.name, "is a socket, not a regular file")
    raise ValueError(name)
