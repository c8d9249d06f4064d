"""PDF pages as images, for checking what prints: each page rendered by poppler's ``pdftoppm``
(Debian package poppler-utils) to a greyscale PGM, read here without an imaging library."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PDFTOPPM = shutil.which("pdftoppm")
MM = 25.4


def available() -> str | None:
    """Why PDF pages cannot be rendered here, or None if they can."""
    return None if PDFTOPPM else "pdftoppm is not installed (Debian package poppler-utils; .ci/run installs it)"


@dataclass
class Page:
    width: int
    height: int
    dpi: int
    pixels: bytes  # one byte a pixel, row by row; 255 is white

    def mm(self, pixels: int) -> float:
        return pixels * MM / self.dpi

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / MM)

    def ink(self, x0: int = 0, x1: int | None = None, y0: int = 0, y1: int | None = None, below: int = 230) -> list[tuple[int, int]]:
        """Where, within the box, a pixel is darker than ``below`` (anti-aliased edges of text are
        greyer than paper)."""
        x1, y1 = x1 or self.width, y1 or self.height
        return [(x, y) for y in range(y0, y1) for x in range(x0, x1) if self.pixels[y * self.width + x] < below]

    def last_inked_row(self, above: int | None = None) -> int:
        """The lowest row with ink, above row ``above`` (e.g. the bottom margin's page number)."""
        for y in range((above or self.height) - 1, -1, -1):
            row = self.pixels[y * self.width:(y + 1) * self.width]
            if min(row) < 230:
                return y
        return -1


def _pgm(data: bytes, dpi: int) -> Page:
    fields, at = [], 0
    while len(fields) < 4:  # magic, width, height, maximum; then one whitespace byte
        while data[at:at + 1].isspace():
            at += 1
        end = at
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[at:end])
        at = end
    assert fields[0] == b"P5" and fields[3] == b"255", fields
    width, height = int(fields[1]), int(fields[2])
    return Page(width, height, dpi, data[at + 1:at + 1 + width * height])


def pages(pdf: bytes, dpi: int = 40, first: int | None = None, last: int | None = None) -> list[Page]:
    """The PDF's pages (from ``first`` to ``last``, 1-based, default all) at ``dpi``."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        span = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
        subprocess.run([PDFTOPPM, "-gray", "-r", str(dpi), *span, str(source), str(Path(folder) / "page")],  # type: ignore[list-item]
                       check=True, timeout=300)
        return [_pgm(p.read_bytes(), dpi) for p in sorted(Path(folder).glob("page*.pgm"))]
