"""Checks a result read back from a file gets (a result edited by hand must be refused as a
document would be): judgments about a well-formed subject, levels on the judgment's scale.

Levels are checked against the registered scales in the validation context (``scales``, as the
engine's loader gives); without them only the subjects are checked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from stocktake.core.models import invalid
from stocktake.judgment.model import Judgment
from stocktake.judgment.scale import Scale

__all__ = ["SUBJECT_KINDS", "check_judgment", "check_level", "context_scales"]

SUBJECT_KINDS = ("component", "criterion", "section", "priority", "chain")
"""What a judgment may be about."""

_SUBJECT = re.compile(rf"(?:{'|'.join(SUBJECT_KINDS)}):[A-Za-z0-9][A-Za-z0-9_.-]*")

Path = tuple[str | int, ...]


def context_scales(context: Any) -> Mapping[str, Scale] | None:
    """The registered scales of the validation context, or None."""
    scales = context.get("scales") if isinstance(context, Mapping) else None
    return scales if isinstance(scales, Mapping) else None


def check_level(value: str | None, scale: Scale | None, path: Path) -> None:
    """``value`` (None: no level) is a level code of ``scale`` (None: not checked)."""
    if value is not None and scale is not None and value not in scale.level_index[1]:
        raise invalid(f"a level of scale {scale.id!r} ({scale.describe_codes()}) or null", repr(value), path=path)


def check_judgment(judgment: Judgment, scales: Mapping[str, Scale] | None, path: Path) -> Scale | None:
    """The judgment's subject is ``kind:id``, its scale registered and its levels on it; returns
    the scale (None without ``scales``)."""
    if not _SUBJECT.fullmatch(judgment.subject):
        raise invalid(f"a subject written kind:id ({', '.join(SUBJECT_KINDS)})", repr(str(judgment.subject)),
                      path=(*path, "subject"))
    if scales is None:
        return None
    scale = scales.get(judgment.scale)
    if scale is None:
        raise invalid(f"a registered scale ({', '.join(sorted(scales))})", repr(judgment.scale), path=(*path, "scale"))
    check_level(judgment.rating, scale, (*path, "rating"))
    check_level(judgment.computed, scale, (*path, "computed"))
    if judgment.override is not None:
        check_level(judgment.override.level, scale, (*path, "override", "level"))
    return scale
