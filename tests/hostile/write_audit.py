"""Installed as ``sitecustomize`` in the server process of ``test_hostile_writes.py``: a Python audit hook
that logs every file the process opens for writing and every file-system change it asks for, wherever
it is (a fixed path such as /tmp/x escapes the test's list of folders, not this log). The log is opened
before the hook, and written with ``os.write``, which raises no audit event."""

import os
import sys

_LOG = os.open(os.environ["PARAMLENS_WRITE_AUDIT"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CHANGES = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "os.truncate", "os.chmod"}


def _audit(event: str, args: tuple) -> None:
    if event == "open":
        path, _mode, flags = args
        if isinstance(path, int) or path == os.devnull or not flags & _WRITING:
            return  # an inherited descriptor, the null device, or a read
    elif event not in _CHANGES:
        return
    os.write(_LOG, f"{event} {args[0]!r}\n".encode())


sys.addaudithook(_audit)
