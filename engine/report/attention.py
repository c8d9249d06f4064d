"""What needs the system leader's attention, the section a delivery report opens with (seed 003:
delivery reports "identify actions for relevant departments, with dates and named responsibilities").

Four lists, each item pointing at the section that explains it:

- **priorities** (most severe first: crisis, intervention, then the rest worst first, the league
  table read from the bottom) whose likelihood is at the bottom half of its scale (AR or R on the
  delivery scale), or was computed there under a better agreed level, that fell since the previous
  judgment, or that the severity classifier puts at intervention or worse, each with every reason
  that applies;
- **overdue actions**: open and due before the assessment's date, most overdue first;
- **weakest capacity components** of each review: those at the lowest level present (the review
  summary's ``weakest``), when that level is in the bottom half of the scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stocktake.likelihood.severity import overdue_actions
from stocktake.report.model import DeliveryReport, PrioritySummary

__all__ = ["ESCALATED", "Attention", "OverdueAction", "WeakComponent", "attention"]

ESCALATED = ("intervention", "crisis")
"""Severity levels that put a priority on the attention list by themselves."""


@dataclass(frozen=True)
class OverdueAction:
    priority: PrioritySummary
    text: str
    owner: str
    due: str
    days: int


@dataclass(frozen=True)
class WeakComponent:
    review: int
    """The review's position in the report (1 first), for its anchor."""
    system: str
    subject: str
    title: str
    level: str | None


@dataclass
class Attention:
    priorities: list[tuple[PrioritySummary, list[str]]] = field(default_factory=list)
    """Each priority that needs attention, with why (short phrases)."""
    overdue: list[OverdueAction] = field(default_factory=list)
    weakest: list[WeakComponent] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.priorities or self.overdue or self.weakest)


def _bottom_half(level: str | None, codes: list[str]) -> bool:
    """:meth:`stocktake.judgment.scale.Scale.low` for a scale known only by its ``codes`` (best
    first), as a report read back from its JSON knows it."""
    return level is not None and level in codes and codes.index(level) >= -(-len(codes) // 2)


_NOT_LEVELS = ("not-rated", "no-consensus")


def attention(report: DeliveryReport) -> Attention:
    """What needs attention in ``report`` (see the module docstring); levels are ranked in the
    order of the results' counts, which list their scale's levels best first."""
    found = Attention()
    a = report.assessment
    if a is not None:
        codes = [c for c in a.summary.counts if c not in _NOT_LEVELS]
        rows = {row.id: row for row in report.summary.priorities}
        computed = {p.id: p.judgment.computed for p in a.priorities}
        worst_first = list(reversed(report.summary.priorities))  # the league ranks best first
        for row in sorted(worst_first, key=lambda r: ESCALATED[::-1].index(r.severity) if r.severity in ESCALATED
                          else len(ESCALATED)):
            why = []
            if _bottom_half(row.rating, codes):
                why.append(f"likelihood {row.rating}")
            elif row.agreed and _bottom_half(computed[row.id], codes):  # an agreed level hides no problem
                why.append(f"computed {computed[row.id]}, agreed {row.rating}")
            if row.movement == "down":
                why.append(f"down from {row.previous}")
            if row.severity in ESCALATED:
                why.append(f"severity {row.severity}")
            if why:
                found.priorities.append((row, why))
        for p in a.priorities:
            for action in overdue_actions(p.actions, a.date):
                found.overdue.append(OverdueAction(rows[p.id], action.text, action.owner, str(action.due),
                                                   (a.date - action.due).days))
        order = [row.id for row in report.summary.priorities]
        found.overdue.sort(key=lambda o: (-o.days, order.index(o.priority.id), o.due, o.text))
    for i, review in enumerate(report.reviews, 1):
        judged = {j.subject.id: j for j in review.judgments if j.subject.kind == "component"}
        for component in review.summary.weakest:
            j = judged.get(component)
            if j is None:
                continue
            if _bottom_half(j.rating, [c for c in review.summary.counts if c not in _NOT_LEVELS]):
                found.weakest.append(WeakComponent(i, review.system, str(j.subject), j.title, j.rating))
    return found
