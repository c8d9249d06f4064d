"""Measures as text for reading: :func:`number` and the differences, distances and projections
written with it (every view prints them; :mod:`stocktake.core.markup` offers them to templates)."""

from __future__ import annotations

__all__ = ["difference", "distance", "number", "shortfall"]


def number(value: float | None, unit: str = "") -> str:
    """A measure for reading: at most two decimals, no trailing zeros, ``-`` for none."""
    if value is None:
        return "-"
    text = _FIGURES.get(value) if type(value) is float else None
    if text is None:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        if text == "-0":
            text = "0"
        if type(value) is float and len(_FIGURES) < _MOST_FIGURES:
            _FIGURES[value] = text
    return f"{text} {unit}".strip() if unit else text


_FIGURES: dict[float, str] = {}
""":func:`number`'s text of floats it has written (a report writes each of a plan's values many
times; formatting is most of its cost). Equal floats have one text (0.0 and -0.0 both ``0``)."""
_MOST_FIGURES = 1 << 16
"""At most this many are kept, so a long-running process does not grow with what it has shown."""


def difference(value: float | None, unit: str = "") -> str:
    """A difference between two measures (a distance, a shortfall) as :func:`number` gives it,
    except that a difference of percentages is in percentage points (``9.4 pp``), not per cent."""
    return number(value, "pp" if unit.strip() == "%" else unit)


def distance(value: float | None, unit: str = "") -> str:
    """A distance to target (positive: still to go): ``9.4 pp``, or ``1.2 pp beyond`` once the
    latest actual is past the target; ``-`` for none."""
    if value is not None and value < 0:
        return f"{difference(-value, unit)} beyond"
    return difference(value, unit)


def shortfall(value: float | None, unit: str = "") -> str:
    """A projection against its target (``value`` positive: short of it), as words: "projected to
    fall short of the target by 2 pp", "projected to go beyond the target by 1.97 pp", "projected
    to meet the target"; ``no projection`` for none."""
    if value is None:
        return "no projection"
    if number(value) == "0":
        return "projected to meet the target"
    side = "fall short of" if value > 0 else "go beyond"
    return f"projected to {side} the target by {difference(abs(value), unit)}"
