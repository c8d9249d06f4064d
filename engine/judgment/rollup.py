"""Roll-up methods named in rubrics: how a section's (or component's) level is formed from its parts.

Colours are never averaged unless a rubric names ``mean``. Each method returns the level and one
sentence saying how it was formed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from stocktake.judgment.scale import Scale

__all__ = ["roll_up"]


def roll_up(method: str, levels: Sequence[str], scale: Scale) -> tuple[str, str]:
    """Combine ``levels`` (canonical codes, at least one) by ``method``; return (level, how)."""
    if not levels:
        raise ValueError("roll_up needs at least one level")
    ranks = sorted(scale.rank(code) for code in levels)
    n = len(ranks)
    if method == "worst":
        level = scale.codes[ranks[-1]]
        return level, f"{level} is the lowest of {n} level(s)"
    if method == "lower-median":
        level = scale.codes[ranks[n // 2]]
        return level, f"{level} is the lower median of {n} level(s)"
    if method == "majority":
        counts = Counter(ranks)
        top = max(counts.values())
        rank = max(r for r, c in counts.items() if c == top)  # the worse level on a tie
        level = scale.codes[rank]
        return level, f"{level} is the most common of {n} level(s) ({top} of them; the lower on a tie)"
    if method == "mean":
        position = sum(ranks) / n
        level = scale.codes[math.ceil(position - 1e-9)]
        return level, (f"{level} is the mean position of {n} level(s) ({position:.2f}, rounded "
                       "toward the lower level), as the rubric asks")
    raise ValueError(f"unknown roll-up method {method!r}")
