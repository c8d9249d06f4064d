"""Helpers shared by the Markdown and HTML views: escaping for Markdown, number formatting and the
jinja2 environment (autoescaping on, templates shipped in ``engine/render/templates``)."""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["ARROWS", "MOVES", "environment", "md", "number"]

ARROWS = {"improved": "↑", "declined": "↓", "unchanged": "→", "new": "new", "removed": "removed",
          "wording-changed": "≠", "not-rated": "·"}
"""Movement of a capacity component since the baseline."""

MOVES = {"up": "↑ up", "down": "↓ down", "same": "→ same", "new": "new"}
"""Movement of a priority's likelihood since the previous judgment."""


def md(text: Any) -> str:
    """Text safe inside a Markdown table cell: no raw HTML, no cell breaks, one line."""
    value = "" if text is None else str(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(value.replace("|", "\\|").split())


def number(value: float | None, unit: str = "") -> str:
    """A measure for reading: at most two decimals, no trailing zeros, ``-`` for none."""
    if value is None:
        return "-"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return f"{text} {unit}".strip()


@cache
def environment() -> Any:
    """The jinja2 environment for every HTML view. Templates come from the package only: no
    template is ever compiled from user text."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("engine.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
