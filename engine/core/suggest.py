"""Helping a user find the name they meant: the names that exist, and the nearest one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["MAX_LISTED", "did_you_mean", "listing"]

MAX_LISTED = 12
"""Most names listed in one message; past it, how many there are in all."""
MAX_COMPARED = 2_000
"""Most known names a misspelt one is compared with (each comparison costs; a document may
define many ids and misspell many)."""


def listing(names: Iterable[str], most: int = MAX_LISTED) -> str:
    """``names`` as ``a, b, c``, at most ``most`` of them and then how many there are in all;
    ``none`` if there are none."""
    names = list(dict.fromkeys(names))
    if not names:
        return "none"
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown}, ... ({len(names):,} in all)"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` if ``name`` is close to one of ``known`` (a typing slip, another
    case), else an empty string. Compared case-insensitively; ``name`` itself is no suggestion."""
    by_folded: dict[str, str] = {}
    for candidate in known:
        by_folded.setdefault(candidate.casefold(), candidate)
        if len(by_folded) >= MAX_COMPARED:
            break
    folded = name.casefold()
    if folded in by_folded and by_folded[folded] != name:
        return f" (did you mean {by_folded[folded]!r}?)"
    close = difflib.get_close_matches(folded, [k for k in by_folded if k != folded], n=1, cutoff=0.75)
    return f" (did you mean {by_folded[close[0]]!r}?)" if close else ""
