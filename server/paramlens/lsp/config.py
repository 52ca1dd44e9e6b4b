"""The server's settings (section ``paramlens``) and which files they select.

Settings arrive three ways: ``initializationOptions``, ``workspace/configuration`` (pulled on start
and on every ``didChangeConfiguration``) and, for clients that cannot be asked, inside the
``didChangeConfiguration`` notification itself. Whatever arrives, a wrong type falls back to the
default rather than failing: a typo in a user's settings must not switch the server off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

SECTION = "paramlens"
DEFAULT_FILES = ("**/*.yaml", "**/*.yml")
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
DEFAULT_SCALE = "auto"  # Ultralytics files: the scale Ultralytics would build (file name, else the first key)
DEFAULT_IMGSZ = 640  # Ultralytics files: the image size of the output shapes
MAX_IMGSZ = 65536


@dataclass(frozen=True, slots=True)
class Settings:
    params: bool = True  # inlayHints.params
    shapes: bool = True  # inlayHints.shapes
    totals: bool = True  # inlayHints.totals
    macs: bool = False  # inlayHints.macs: each layer's MACs after its shape (off: hints stay short)
    numbers: Literal["exact", "compact"] = "exact"
    code_lens: Literal["auto", "on", "off"] = "auto"
    files: tuple[str, ...] = DEFAULT_FILES
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    scale: str = DEFAULT_SCALE  # ultralytics.scale: "auto" or a letter of the file's `scales:`
    imgsz: int = DEFAULT_IMGSZ  # ultralytics.imgsz

    @classmethod
    def parse(cls, raw: Any) -> Settings:
        """Settings from the client's JSON: nested (``{"inlayHints": {"params": false}}``) or dotted
        (``{"inlayHints.params": false}``), optionally wrapped in ``{"paramlens": ...}``."""
        if not isinstance(raw, dict):
            return cls()
        if isinstance(raw.get(SECTION), dict):
            raw = raw[SECTION]

        def get(dotted: str) -> Any:
            if dotted in raw:
                return raw[dotted]
            node: Any = raw
            for part in dotted.split("."):
                if not isinstance(node, dict) or part not in node:
                    return None
                node = node[part]
            return node

        def flag(dotted: str, default: bool = True) -> bool:
            value = get(dotted)
            return value if isinstance(value, bool) else default

        numbers = get("numbers")
        lens = get("codeLens")
        files = get("files")
        size = get("maxFileSize")
        scale = get("ultralytics.scale")
        imgsz = get("ultralytics.imgsz")
        return cls(
            params=flag("inlayHints.params"),
            shapes=flag("inlayHints.shapes"),
            totals=flag("inlayHints.totals"),
            macs=flag("inlayHints.macs", False),
            numbers=numbers if numbers in ("exact", "compact") else "exact",
            code_lens=lens if lens in ("auto", "on", "off") else "auto",
            files=(
                tuple(f for f in files if isinstance(f, str) and f)
                if isinstance(files, list) and any(isinstance(f, str) and f for f in files)
                else DEFAULT_FILES
            ),
            max_file_size=(
                size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else DEFAULT_MAX_FILE_SIZE
            ),
            scale=scale if isinstance(scale, str) and _SCALE.fullmatch(scale) else DEFAULT_SCALE,
            imgsz=(
                imgsz
                if isinstance(imgsz, int) and not isinstance(imgsz, bool) and 1 <= imgsz <= MAX_IMGSZ
                else DEFAULT_IMGSZ
            ),
        )

    @property
    def scale_override(self) -> str | None:
        """The scale to build Ultralytics files at (None: as Ultralytics would choose)."""
        return None if self.scale == "auto" else self.scale

    @property
    def analysis_key(self) -> tuple[str, int]:
        """The settings an analysis depends on beyond the file selection."""
        return (self.scale, self.imgsz)

    def selects(self, path: str | None, root: str | None) -> bool:
        """Whether a file is one the settings ask to analyse. Documents without a file path
        (unsaved buffers) are always analysed: they are only architectures if their text says so."""
        if not path:
            return True
        path = path.replace("\\", "/")
        candidates = [path]
        if root:
            prefix = root.replace("\\", "/").rstrip("/") + "/"
            if path.startswith(prefix):
                candidates.insert(0, path[len(prefix) :])
        return any(_glob(g).fullmatch(c) for g in self.files for c in candidates)


_SCALE = re.compile(r"auto|[A-Za-z0-9]{1,16}")


@lru_cache(maxsize=64)
def _glob(pattern: str) -> re.Pattern[str]:
    """A VS Code-style glob as a regex: ``**`` spans folders, ``*`` and ``?`` do not, ``{a,b}``
    alternates. A pattern without ``/`` matches the file's name in any folder."""
    if "/" not in pattern:
        pattern = "**/" + pattern
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    out.append(")" * depth)
    # a pattern may be relative to the workspace or match the end of an absolute path
    return re.compile("(?:.*/)?" + "".join(out) if not pattern.startswith("/") else "".join(out))
