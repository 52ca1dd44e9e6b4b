"""Turns a `tmux capture-pane -e` dump (text with ANSI colours) into an SVG terminal picture with rich."""

import io
import sys

from rich.console import Console
from rich.text import Text


def main(source: str, target: str, title: str) -> None:
    with open(source, encoding="utf-8") as f:
        lines = f.read().rstrip("\n").split("\n")
    # Neovim's empty rows below the buffer ("~") and blank rows only make the picture taller.
    while lines and Text.from_ansi(lines[-1]).plain.strip() in ("", "~"):
        lines.pop()
    width = max(len(Text.from_ansi(line).plain) for line in lines)
    console = Console(record=True, width=width, force_terminal=True, color_system="truecolor", file=io.StringIO())
    for line in lines:
        console.print(Text.from_ansi(line), no_wrap=True, crop=True)
    with open(target, "w", encoding="utf-8") as f:
        # rsvg drops leading spaces of a text run unless told to keep them, which shifts text left.
        f.write(console.export_svg(title=title).replace("<svg ", '<svg xml:space="preserve" ', 1))


if __name__ == "__main__":
    main(*sys.argv[1:4])
