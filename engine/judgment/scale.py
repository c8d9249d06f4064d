"""Rating scales as data: ordered levels with codes, labels, scores and aliases.

A scale lists its levels from the top (best, most advanced, most favourable) to the bottom. The
engine compares levels by that order, never by arithmetic on colours, and assumes no fixed number
of levels.
"""

from __future__ import annotations

import itertools
from functools import cached_property
from typing import Annotated

from pydantic import Field, model_validator

from stocktake.core.models import Id, Model, StrictInt, Text, invalid

__all__ = ["Level", "Scale"]

LevelCode = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9+_.-]*$", max_length=20),
]


class Level(Model):
    """One level of a scale."""

    code: LevelCode
    """The short code written in documents and printed in reports, e.g. ``AG``."""
    label: Text
    """The human name, e.g. ``Amber-Green``."""
    score: StrictInt
    """An ordinal number for the level. Scores must run monotonically with the listed order."""
    aliases: list[Text] = Field(default_factory=list)
    """Other spellings accepted in documents (compared case-insensitively)."""
    meaning: str = ""
    """What a rating at this level means."""


class Scale(Model):
    """An ordered rating scale, levels listed from the top of the scale to the bottom."""

    id: Id
    """Stable id that rubrics refer to, e.g. ``delivery``."""
    title: Text
    """A human title."""
    description: str = ""
    """What the scale measures and how its ends should be read."""
    levels: list[Level] = Field(min_length=2)
    """The levels, from the top (best or most advanced) to the bottom."""

    @model_validator(mode="after")
    def _check_levels(self) -> Scale:
        lookup: dict[str, str] = {}
        rank: dict[str, int] = {}
        for i, level in enumerate(self.levels):
            if level.code in rank:
                raise invalid(
                    "level codes unique within the scale",
                    f"{level.code!r} twice",
                    path=("levels", i, "code"),
                )
            rank[level.code] = i
            names: list[tuple[str | tuple[str, int], str]] = [("code", level.code), ("label", level.label)]
            names += [(("aliases", j), alias) for j, alias in enumerate(level.aliases)]
            for where, name in names:
                key = name.casefold()
                other = lookup.get(key)
                if other is not None and other != level.code:
                    place = ("levels", i, *where) if isinstance(where, tuple) else ("levels", i, where)
                    raise invalid(
                        "each code, label and alias to name one level",
                        f"{name!r} naming both {other!r} and {level.code!r}",
                        path=place,
                    )
                lookup[key] = level.code
        scores = [level.score for level in self.levels]
        rising = all(a < b for a, b in itertools.pairwise(scores))
        falling = all(a > b for a, b in itertools.pairwise(scores))
        if not (rising or falling):
            raise invalid(
                "scores strictly rising or strictly falling in the listed order",
                f"scores {scores}",
                path=("levels",),
            )
        return self

    @cached_property
    def level_index(self) -> tuple[dict[str, str], dict[str, int]]:
        """(name -> code for codes, labels and aliases casefolded; code -> rank). Built once."""
        lookup: dict[str, str] = {}
        for level in self.levels:
            for name in (level.code, level.label, *level.aliases):
                lookup[name.casefold()] = level.code
        return lookup, {level.code: i for i, level in enumerate(self.levels)}

    @cached_property
    def codes(self) -> list[str]:
        """Level codes from the top of the scale to the bottom (built once; do not modify)."""
        return [level.code for level in self.levels]

    @property
    def top(self) -> Level:
        """The best (or most advanced) level."""
        return self.levels[0]

    @property
    def bottom(self) -> Level:
        """The worst (or least advanced) level."""
        return self.levels[-1]

    def resolve(self, name: str | int) -> str | None:
        """Return the level code that ``name`` (a code, label or alias, any case) denotes, or None."""
        return self.level_index[0].get(str(name).strip().casefold())

    def level(self, code: str) -> Level:
        """Return the level with canonical ``code``; ``KeyError`` if there is none."""
        return self.levels[self.level_index[1][code]]

    def rank(self, code: str) -> int:
        """Position of ``code`` from the top: 0 is the best level."""
        return self.level_index[1][code]

    def low(self, code: str | None) -> bool:
        """Whether ``code`` is a level in the lower half of the scale (AR and R of four levels; of an
        odd count the middle level is not): where a level is "weak", needs attention or moves toward
        green. Anything not a level of the scale (None, a state) is not low."""
        index = self.level_index[1].get(code) if code is not None else None
        return index is not None and index >= -(-len(self.levels) // 2)

    def describe_codes(self) -> str:
        """The codes as a reader-friendly list, e.g. ``G, AG, AR or R``."""
        codes = self.codes
        return ", ".join(codes[:-1]) + " or " + codes[-1]
