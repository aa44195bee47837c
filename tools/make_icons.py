"""Draw the app icons (a yellow five-pointed star on red) as PNG files, with the standard
library only (zlib + struct; Pillow is not a dependency).

Usage: .venv/bin/python tools/make_icons.py   → static/img/icon-*.png, favicon.png

"any" icons fill the square with red and a large star; the "maskable" icon keeps the star
inside the central safe zone (a circle of 40 % radius) so launchers may crop it to any shape.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

RED = (181, 18, 27)  # --brand in static/css/app.css
YELLOW = (255, 222, 0)
OUT = Path(__file__).resolve().parent.parent / "static" / "img"
SUBROWS = 4  # vertical supersampling for anti-aliased edges


def star(cx: float, cy: float, outer: float, inner_ratio: float = 0.382) -> list[tuple[float, float]]:
    """A five-pointed star, one point straight up."""
    pts = []
    for i in range(10):
        r = outer if i % 2 == 0 else outer * inner_ratio
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def coverage(size: int, poly: list[tuple[float, float]]) -> list[list[float]]:
    """Per-pixel coverage (0..1) of ``poly`` by scanlines (even-odd rule)."""
    rows = [[0.0] * size for _ in range(size)]
    edges = list(zip(poly, poly[1:] + poly[:1], strict=True))
    for y in range(size):
        acc = rows[y]
        for s in range(SUBROWS):
            sy = y + (s + 0.5) / SUBROWS
            xs = []
            for (x0, y0), (x1, y1) in edges:
                if (y0 <= sy < y1) or (y1 <= sy < y0):
                    xs.append(x0 + (sy - y0) * (x1 - x0) / (y1 - y0))
            xs.sort()
            for a, b in zip(xs[::2], xs[1::2], strict=False):
                a, b = max(a, 0.0), min(b, float(size))
                if b <= a:
                    continue
                ia, ib = int(a), int(b)
                if ia == ib:
                    acc[ia] += (b - a) / SUBROWS
                    continue
                acc[ia] += (ia + 1 - a) / SUBROWS
                for x in range(ia + 1, min(ib, size)):
                    acc[x] += 1.0 / SUBROWS
                if ib < size:
                    acc[ib] += (b - ib) / SUBROWS
    return rows


def png(size: int, cov: list[list[float]]) -> bytes:
    raw = bytearray()
    for row in cov:
        raw.append(0)  # filter: none
        for c in row:
            c = min(max(c, 0.0), 1.0)
            raw.extend(round(RED[i] + (YELLOW[i] - RED[i]) * c) for i in range(3))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")


def icon(size: int, star_ratio: float) -> bytes:
    c = size / 2
    # The star's bounding box is not centred on its centre: shift it down a little.
    return png(size, coverage(size, star(c, c + size * star_ratio * 0.1, size * star_ratio)))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "icon-192.png": icon(192, 0.40),
        "icon-512.png": icon(512, 0.40),
        "icon-maskable-512.png": icon(512, 0.30),
        "apple-touch-icon.png": icon(180, 0.38),
        "favicon.png": icon(32, 0.44),
    }
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"wrote static/img/{name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
