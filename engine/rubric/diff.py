"""What changed between two rubric versions: sections and items added, removed or reworded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from stocktake.rubric.model import Criterion, Rubric

__all__ = ["Change", "diff_rubrics"]

FIELDS = ("title", "key_questions", "descriptors", "scale", "evidence_sources", "actions", "code")


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` is ``added``, ``removed`` or ``changed`` (with the fields)."""

    what: str
    """``section``, ``component`` or ``criterion``."""
    id: str
    kind: str
    fields: tuple[str, ...] = ()
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"what": self.what, "id": self.id, "kind": self.kind, "fields": list(self.fields),
                "detail": self.detail}


def _items(rubric: Rubric) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    for section in rubric.sections:
        out[section.id] = ("section", section)
        for component in section.components:
            out[component.id] = ("component", component)
            for criterion in component.criteria:
                out[criterion.id] = ("criterion", criterion)
    return out


def _value(rubric: Rubric, item: Any, name: str) -> Any:
    if name == "scale":
        return rubric.scale_of(item).id if isinstance(item, Criterion) else None
    value = getattr(item, name, None)
    return value.model_dump() if isinstance(value, BaseModel) else value


def diff_rubrics(old: Rubric, new: Rubric) -> list[Change]:
    """Changes from ``old`` to ``new``, in ``new``'s reading order, then removals."""
    before, after = _items(old), _items(new)
    changes: list[Change] = []
    for item_id, (what, item) in after.items():
        if item_id not in before:
            changes.append(Change(what, item_id, "added"))
            continue
        _, previous = before[item_id]
        fields = tuple(f for f in FIELDS if _value(old, previous, f) != _value(new, item, f))
        if fields:
            detail = ""
            if "descriptors" in fields:
                a, b = previous.descriptors, item.descriptors
                levels = sorted(set(a) | set(b), key=lambda c: (c not in b, c))
                detail = "descriptors changed for " + ", ".join(c for c in levels if a.get(c) != b.get(c))
            changes.append(Change(what, item_id, "changed", fields, detail))
    for item_id, (what, _) in before.items():
        if item_id not in after:
            changes.append(Change(what, item_id, "removed"))
    return changes
