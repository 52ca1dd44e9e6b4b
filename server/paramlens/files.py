"""Reading architecture files from disk: the one reader used by the CLI and the language server, for
the files they are given and for the files those import.

A cloned repository may hold anything under an import's path: a FIFO (``open`` waits for a writer
forever), ``/dev/zero`` (``read`` never ends), a ``/proc`` file, a socket, a directory, a symlink loop,
a file that grows while it is read. So a file is opened without blocking, the opened descriptor (not
the path, which may change meanwhile) is checked to be a regular file, and at most the size limit
plus one byte is read. Anything else is refused with a ``Refused`` that says what the path is.
"""

from __future__ import annotations

import errno
import os
import stat

CHUNK = 1 << 16  # bytes read at a time beyond what fstat announced
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_KINDS = (
    (stat.S_ISDIR, "a directory", "directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)", "fifo"),
    (stat.S_ISCHR, "a character device", "device"),
    (stat.S_ISBLK, "a block device", "device"),
    (stat.S_ISSOCK, "a socket", "socket"),
)


class Refused(Exception):
    """A file that is not read. ``reason`` completes a sentence about it ("… is a FIFO (named pipe),
    not a regular file"), for the CLI's messages and the engine's ``import-error``; ``kind`` says which
    case it is (``directory``, ``fifo``, ``device``, ``socket``, ``generated``, ``loop``, ``missing``,
    ``too-large``, ``not-utf8``, ``unreadable``); ``position`` is (line, column, byte) of ``not-utf8``."""

    def __init__(self, path: str, reason: str, kind: str, position: tuple[int, int, int] | None = None) -> None:
        super().__init__(f"{path} {reason}")
        self.path, self.reason, self.kind, self.position = path, reason, kind, position


def _not_regular(path: str, mode: int) -> Refused:
    for test, name, kind in _KINDS:
        if test(mode):
            return Refused(path, f"is {name}, not a regular file", kind)
    return Refused(path, "is not a regular file", "unreadable")


def _open_error(path: str, exc: OSError) -> Refused:
    if exc.errno == errno.ELOOP:
        return Refused(path, "is a symlink loop (or a chain of more than 40 links)", "loop")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Refused(path, "does not exist", "missing")
    if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket, or a device without a driver
        try:
            return _not_regular(path, os.stat(path).st_mode)
        except OSError:
            pass
    return Refused(path, f"cannot be read: {exc.strerror or exc}", "unreadable")


def too_large(path: str, limit: int) -> Refused:
    return Refused(path, f"is larger than {limit:,} bytes", "too-large")


def read_bytes(path: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``Refused`` for anything else. Never
    blocks and never reads more than ``limit + 1`` bytes, whatever the path is."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise _open_error(path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode)
        if info.st_size > limit:
            raise too_large(path, limit)
        parts = []
        size = 0
        want = info.st_size + 1  # one more than announced: a file that grew shows it
        while size <= limit:
            part = os.read(fd, min(want, limit + 1 - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
            want = CHUNK
        if size and not info.st_size:
            # a regular file of size 0 with content is generated as it is read (/proc, /sys, FUSE)
            raise Refused(path, "is generated as it is read (as in /proc), not a regular file", "generated")
        if size > limit:
            raise Refused(path, f"grew larger than {limit:,} bytes while being read", "too-large")
    except OSError as exc:
        raise Refused(path, f"cannot be read: {exc.strerror or exc}", "unreadable") from None
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def decode(data: bytes, path: str) -> str:
    """UTF-8 text, a leading BOM dropped as editors do; ``Refused`` with the line and column of the
    first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        byte = data[exc.start]
        reason = f"is not UTF-8 text at line {line}, column {column} (byte 0x{byte:02x}); save it as UTF-8"
        raise Refused(path, reason, "not-utf8", (line, column, byte)) from None


def read_text(path: str, limit: int) -> str:
    """A regular file's UTF-8 text, as ``read_bytes`` and ``decode`` accept it."""
    return decode(read_bytes(path, limit), path)


def import_path(importing: str | None, relpath: str) -> str:
    """Where an import written in ``importing`` (a file's path; None: standard input, read from the
    current directory) points: symbolic links resolved, so that a file reached through two paths is
    one file to the engine's import-cycle check, in the CLI and the server alike."""
    base = os.path.dirname(importing) if importing else os.getcwd()
    return os.path.realpath(os.path.join(base, relpath))
