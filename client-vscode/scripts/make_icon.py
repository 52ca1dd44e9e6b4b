"""Draws images/icon.png (128×128): layers of a network seen through a lens. Standard library only.

Run once and commit the result: `python3 scripts/make_icon.py`. Shapes are sampled 4×4 per pixel for
anti-aliasing.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

SIZE = 128
SAMPLES = 4
Color = tuple[float, float, float, float]


def rounded_rect(x: float, y: float, left: float, top: float, right: float, bottom: float, radius: float) -> bool:
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def background(x: float, y: float) -> Color | None:
    if not rounded_rect(x, y, 4, 4, 124, 124, 22):
        return None
    t = (x + y) / 256  # diagonal gradient, deep blue to indigo
    return (0.07 + 0.10 * t, 0.16 + 0.06 * t, 0.36 + 0.16 * t, 1.0)


# Layer bars of a CNN narrowing towards the output: (left, top, right, bottom).
BARS = [(22, 30, 36, 98), (44, 40, 58, 88), (66, 48, 80, 80), (88, 56, 102, 72)]
LENS_CENTER, LENS_RADIUS, LENS_WIDTH = (76.0, 64.0), 30.0, 6.0


def shape(x: float, y: float) -> Color | None:
    """The foreground colour at a point, or None for the background."""
    lx, ly = LENS_CENTER
    distance = math.hypot(x - lx, y - ly)
    if abs(distance - LENS_RADIUS) <= LENS_WIDTH / 2:
        return (1.0, 0.78, 0.25, 1.0)  # the lens ring, amber
    # the lens handle, towards the bottom right
    hx, hy = x - lx, y - ly
    along = (hx + hy) / math.sqrt(2)
    across = (hx - hy) / math.sqrt(2)
    if LENS_RADIUS + 2 <= along <= LENS_RADIUS + 22 and abs(across) <= 5:
        return (1.0, 0.78, 0.25, 1.0)
    inside = distance < LENS_RADIUS - LENS_WIDTH / 2
    for bar in BARS:
        if rounded_rect(x, y, *bar, 4):
            return (0.55, 0.95, 0.85, 1.0) if inside else (0.85, 0.92, 1.0, 1.0)
    return None


def pixel(px: int, py: int) -> tuple[int, int, int, int]:
    r = g = b = a = 0.0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            x = px + (sx + 0.5) / SAMPLES
            y = py + (sy + 0.5) / SAMPLES
            color = shape(x, y) if background(x, y) is not None else None
            color = color or background(x, y)
            if color is not None:
                r, g, b, a = r + color[0], g + color[1], b + color[2], a + color[3]
    n = SAMPLES * SAMPLES
    if a == 0:
        return (0, 0, 0, 0)
    # colours are averaged over covered samples (straight alpha)
    return (round(255 * r / a), round(255 * g / a), round(255 * b / a), round(255 * a / n))


def png(pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(c for p in row for c in p) for row in pixels)
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> None:
    pixels = [[pixel(x, y) for x in range(SIZE)] for y in range(SIZE)]
    out = Path(__file__).resolve().parents[1] / "images" / "icon.png"
    out.write_bytes(png(pixels))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
