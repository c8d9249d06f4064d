"""Movement since a baseline review: per component improved, declined, unchanged, new, removed.

Components are matched by id. If an item's wording (title, questions, scale or descriptors)
differs between the two rubric versions, the two levels are shown but not compared
(``wording-changed``): a different question is not the same measurement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from stocktake.core.errors import UsageError
from stocktake.judgment.envelope import InputFile
from stocktake.judgment.model import Flag
from stocktake.judgment.scale import Scale
from stocktake.review.result import BaselineRef, CapacityReviewResult, Movement

__all__ = ["compare_with_baseline", "movements"]


def compare_with_baseline(result: CapacityReviewResult, base: CapacityReviewResult, source: InputFile,
                          scale: Callable[[str], Scale]) -> CapacityReviewResult:
    """Return ``result`` with movement against ``base``, the scored baseline read from ``source``;
    ``scale`` finds a scale by id (the engine's :meth:`~stocktake.Engine.scale`).

    Raises :class:`UsageError` if the two were scored against different rubrics, or if the
    baseline is not dated before the review (a baseline comes first: movement runs forward in
    time). A baseline of another system is flagged ``baseline-other-system`` (system names are
    compared ignoring case and surrounding space).
    """
    if base.rubric.id != result.rubric.id:
        raise UsageError(
            f"the baseline {source.path!r} was scored against rubric {base.rubric.id!r}, this review "
            f"against {result.rubric.id!r}: components cannot be matched"
        )
    if base.date >= result.date:
        raise UsageError(
            f"the baseline {source.path!r} is dated {base.date}, this review {result.date}: a baseline "
            "must be an earlier review, dated before the review it is compared with"
        )
    moves = movements(base, result, scale)
    counts = Counter(m.movement for m in moves)
    summary = result.summary.model_copy(update={"movement": {k: counts[k] for k in sorted(counts)}})
    flags = []
    if base.system.strip().casefold() != result.system.strip().casefold():
        flags.append(Flag(code="baseline-other-system", message=(
            f"The baseline is a review of {base.system}; this review is of {result.system}."
        )))
    return result.model_copy(update={
        "baseline": BaselineRef(system=base.system, date=base.date, flags=flags,
                                rubric=f"{base.rubric.id} {base.rubric.version}", source=source),
        "movement": moves,
        "summary": summary,
        "inputs": [*result.inputs, source],
    })


def movements(base: CapacityReviewResult, now: CapacityReviewResult,
              scale: Callable[[str], Scale]) -> list[Movement]:
    """Movement of every component present in either result, in the current rubric's order.

    Levels are compared on the scale the component judgments name (only rated components in both
    are compared, so a scale is needed only when there are some).
    """
    scale_id = _scale_of(now) or _scale_of(base)
    levels_now = _standing(now)
    levels_base = _standing(base)
    titles = {c.id: c.title for s in base.rubric.sections for c in s.components}
    titles.update({c.id: c.title for s in now.rubric.sections for c in s.components})
    order = [c.id for s in now.rubric.sections for c in s.components]
    order += [c.id for s in base.rubric.sections for c in s.components if c.id not in order]
    versions = f"{base.rubric.version} to {now.rubric.version}"
    out = []
    for cid in order:
        in_now, in_base = cid in levels_now, cid in levels_base
        was, is_ = levels_base.get(cid), levels_now.get(cid)
        note = ""
        if in_now and not in_base:
            kind = "new"
            note = f"not in the baseline's rubric ({base.rubric.version})"
        elif in_base and not in_now:
            kind = "removed"
            note = f"not in this review's rubric ({now.rubric.version})"
        elif base.rubric.items.get(cid) != now.rubric.items.get(cid):
            kind = "wording-changed"
            note = f"wording changed ({versions}): shown, not compared"
        elif was is None or is_ is None:
            kind = "not-rated"
            note = "no level " + ("in the baseline" if was is None else "now")
        else:
            levels = scale(scale_id or "")
            delta = levels.rank(was) - levels.rank(is_)
            kind = "improved" if delta > 0 else "declined" if delta < 0 else "unchanged"
        out.append(Movement(component=cid, title=titles[cid], baseline=was, current=is_,
                            movement=kind, note=note))
    return out


def _standing(result: CapacityReviewResult) -> dict[str, str | None]:
    return {j.subject.id: j.rating for j in result.judgments if j.subject.kind == "component"}


def _scale_of(result: CapacityReviewResult) -> str | None:
    return next((j.scale for j in result.judgments if j.subject.kind == "component"), None)
