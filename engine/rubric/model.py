"""The rubric format: sections (stages) -> components -> optional criteria.

Structural rules live in the fields (and so in ``schemas/rubric.schema.json``); rules that need the
whole document or the registered scales (unique ids, descriptors naming real levels, both ends of
the scale described) live in :meth:`Rubric._check_references`, which raises a located
:class:`~stocktake.core.errors.DocumentError`.

Validate with ``Rubric.model_validate(data, context={"scales": {...}})`` so rubric items may refer
to scales registered by plugins; the engine's loader does this for you. Documents scored against a
rubric (reviews, assessments) receive it the same way, looked up by the loader before they are
validated: ``context["rubric"]`` (see :func:`rubric_named` and :func:`context_rubric`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from stocktake.core.errors import json_path
from stocktake.core.models import Id, Model, SchemaVersion, Text, Version, invalid, repeated
from stocktake.judgment.scale import Scale

__all__ = [
    "Actions", "Component", "Criterion", "ItemOutline", "RollUp", "Rubric", "RubricNotInstalled", "RubricRef",
    "RubricResolver", "RubricUsed", "Section", "SectionOutline", "context_rubric", "rubric_named",
]

RollUp = Literal["worst", "lower-median", "majority", "mean", "none"]
"""How a section's judgment is formed from its components' judgments.

``worst``: the lowest component level (a stage is as strong as its weakest component).
``lower-median``: the median level, taking the lower of the two middle levels on a tie.
``majority``: the level most components share, the lower one on a tie.
``mean``: the arithmetic mean of level scores, rounded down; only when a rubric asks for it.
``none``: no section judgment is formed.
"""


class Actions(Model):
    """Suggested actions that move a rating toward the top of the scale ("moving toward green")."""

    near_term: list[Text] = Field(default_factory=list)
    """Actions for the next few months."""
    longer_term: list[Text] = Field(default_factory=list)
    """Actions that take a year or more."""


class Criterion(Model):
    """A rateable item: key questions, level descriptors, evidence sources, suggested actions."""

    id: Id
    """Stable id; ratings refer to it. Unique within the rubric."""
    title: Text
    """Short title."""
    scale: Id | None = None
    """The scale this item is rated on, if not the rubric's scale."""
    key_questions: list[Text] = Field(min_length=1)
    """The questions a reviewer asks to rate this item."""
    descriptors: dict[str, Text] = Field(min_length=2)
    """What each level looks like, keyed by level code; at least the top and bottom levels."""
    evidence_sources: list[Text] = Field(default_factory=list)
    """Where a reviewer finds evidence for a rating."""
    actions: Actions = Field(default_factory=Actions)
    """Suggested actions for an item rated low."""
    provenance: str = ""
    """Where the wording comes from (a source, or the project's own wording where sources are silent)."""


class Component(Criterion):
    """A component of a section, optionally broken down into criteria."""

    code: str | None = Field(default=None, max_length=20)
    """A reference code from the source method, e.g. ``1A``; shown beside the title."""
    criteria: list[Criterion] = Field(default_factory=list)
    """Optional sub-criteria, each rated on its own."""
    roll_up: RollUp | None = None
    """How the component's level is formed from its criteria; defaults to the section's method."""


class Section(Model):
    """A group of components, e.g. one of the five stages of delivery."""

    id: Id
    """Stable id, unique within the rubric."""
    code: str | None = Field(default=None, max_length=20)
    """A reference code from the source method, e.g. ``1``."""
    title: Text
    """Short title."""
    question: str = ""
    """The overarching question the section answers."""
    roll_up: RollUp | None = None
    """How the section's judgment is formed; defaults to the rubric's ``roll_up``."""
    components: list[Component] = Field(min_length=1)
    """The components, in reading order."""


class Rubric(Model):
    """A versioned rubric that reviews are scored against."""

    kind: Literal["Rubric"]
    """Document kind."""
    schema_version: SchemaVersion
    """Version of this file format."""
    id: Id
    """Stable id, e.g. ``delivery-capacity-review``."""
    version: Version
    """The rubric's version; the same id and version must mean the same wording."""
    title: Text
    """Human title."""
    description: str = ""
    """What the rubric is for and how to use it."""
    source: str = ""
    """Provenance of the rubric as a whole and any licence note."""
    scale: Id
    """Default scale of every item: a registered scale or one declared under ``scales``."""
    scales: list[Scale] = Field(default_factory=list)
    """Scales declared by this rubric for its own use."""
    roll_up: RollUp = "worst"
    """Default roll-up method of the sections."""
    aggregation: Id | None = None
    """Name of the default strategy that combines several reviewers' ratings of one item."""
    sections: list[Section] = Field(min_length=1)
    """The sections (stages), in reading order."""

    _scales: dict[str, Scale] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> Rubric:
        context = info.context if isinstance(info.context, Mapping) else {}
        registered: Mapping[str, Scale] = context.get("scales", {})
        scales = dict(registered)
        for i, scale in enumerate(self.scales):
            if scale.id in scales:
                owner = "a registered scale" if scale.id in registered else "another scale here"
                raise invalid(
                    "a scale id not used elsewhere", f"{scale.id!r}, already {owner}",
                    path=("scales", i, "id"),
                )
            scales[scale.id] = scale
        self._scales = scales

        def scale_of(scale_id: str, path: tuple[str | int, ...]) -> Scale:
            if scale_id not in scales:
                known = ", ".join(sorted(scales)) or "none"
                raise invalid(
                    f"a registered scale or one declared under 'scales' (known: {known})",
                    repr(scale_id),
                    path=path,
                )
            return scales[scale_id]

        default = scale_of(self.scale, ("scale",))
        seen: dict[str, tuple[str, tuple[str | int, ...]]] = {}  # casefolded id -> (id, where)

        def claim(item_id: str, path: tuple[str | int, ...]) -> None:
            first = seen.get(item_id.casefold())
            if first is not None:
                raise invalid("ids unique within the rubric",
                              f"{repeated(first[0], item_id)} (first at {json_path(first[1])})", path=(*path, "id"))
            seen[item_id.casefold()] = (item_id, path)

        codes: dict[str, tuple[str, tuple[str | int, ...]]] = {}
        for s, section in enumerate(self.sections):
            claim(section.id, ("sections", s))
            for c, component in enumerate(section.components):
                cpath: tuple[str | int, ...] = ("sections", s, "components", c)
                claim(component.id, cpath)
                if component.code is not None:
                    code = codes.get(component.code.casefold())
                    if code is not None:
                        raise invalid(
                            "component codes unique within the rubric",
                            f"{repeated(code[0], component.code)} (first at {json_path(code[1])})",
                            path=(*cpath, "code"),
                        )
                    codes[component.code.casefold()] = (component.code, cpath)
                _normalise(component, scale_of(component.scale, (*cpath, "scale"))
                           if component.scale else default, cpath)
                for k, criterion in enumerate(component.criteria):
                    kpath = (*cpath, "criteria", k)
                    claim(criterion.id, kpath)
                    own = component.scale or self.scale
                    scale = scale_of(criterion.scale or own, (*kpath, "scale"))
                    _normalise(criterion, scale, kpath)
        return self

    # -- reading -------------------------------------------------------------------------------

    @cached_property
    def item_index(self) -> dict[str, tuple[Criterion, Scale]]:
        """Item id -> (item, the scale it is rated on), for every component and criterion."""
        index: dict[str, tuple[Criterion, Scale]] = {}
        for component in self.components():
            own = component.scale or self.scale
            index[component.id] = (component, self._scales[own])
            for criterion in component.criteria:
                index[criterion.id] = (criterion, self._scales[criterion.scale or own])
        return index

    @cached_property
    def fingerprints(self) -> dict[str, str]:
        """Item id -> sha256 of its wording (title, questions, scale, descriptors).

        Two rubric versions measure an item the same way only if its fingerprint is unchanged.
        """
        out = {}
        for item_id, (item, scale) in self.item_index.items():
            wording = {"title": item.title, "key_questions": item.key_questions,
                       "scale": scale.id, "descriptors": item.descriptors}
            out[item_id] = hashlib.sha256(json.dumps(wording, sort_keys=True).encode()).hexdigest()
        return out

    def scale_of(self, item: Criterion) -> Scale:
        """The scale ``item`` is rated on (its own, its component's or the rubric's)."""
        return self.item_index[item.id][1]

    @property
    def default_scale(self) -> Scale:
        """The rubric's default scale."""
        return self._scales[self.scale]

    def components(self) -> Iterator[Component]:
        """Every component, in reading order."""
        for section in self.sections:
            yield from section.components

    def items(self) -> Iterator[Criterion]:
        """Every rateable item (components and their criteria), in reading order."""
        for component in self.components():
            yield component
            yield from component.criteria

    def item(self, item_id: str) -> Criterion | None:
        """The component or criterion with ``item_id``, or None."""
        found = self.item_index.get(item_id)
        return found[0] if found else None

    def section_of(self, item_id: str) -> Section | None:
        """The section holding the component or criterion ``item_id``, or None."""
        for section in self.sections:
            for component in section.components:
                if component.id == item_id or any(k.id == item_id for k in component.criteria):
                    return section
        return None


def _normalise(item: Criterion, scale: Scale, path: tuple[str | int, ...]) -> None:
    """Key ``item.descriptors`` by canonical level code in scale order; check both ends are there."""
    by_code: dict[str, str] = {}
    for key, text in item.descriptors.items():
        code = scale.resolve(key)
        if code is None:
            raise invalid(
                f"a level of scale {scale.id!r} ({scale.describe_codes()})",
                repr(key),
                path=(*path, "descriptors", key),
                on_key=True,
            )
        if code in by_code:
            raise invalid(
                "one descriptor per level",
                f"{key!r}, a second descriptor for level {code!r}",
                path=(*path, "descriptors", key),
                on_key=True,
            )
        by_code[code] = text
    missing = [c for c in (scale.top.code, scale.bottom.code) if c not in by_code]
    if missing:
        raise invalid(
            f"descriptors for both ends of scale {scale.id!r} "
            f"({scale.top.code} and {scale.bottom.code})",
            "none for " + " and ".join(repr(m) for m in missing),
            path=(*path, "descriptors"),
        )
    item.descriptors = {code: by_code[code] for code in scale.codes if code in by_code}


RubricResolver = Callable[[str, str], Rubric]
"""``(id, version) -> Rubric``; raises :class:`RubricNotInstalled` if there is no such rubric."""


def rubric_named(data: Any, default: tuple[str, str] | None = None) -> tuple[str, str] | None:
    """The ``(id, version)`` a document's raw ``data`` names under ``rubric``, else ``default``
    where it names none (no or an empty ``rubric``); None unless both are text (a malformed
    reference is left for validation to reject)."""
    ref = data.get("rubric") if isinstance(data, dict) else None
    if not ref and default is not None:
        return default
    if isinstance(ref, dict) and isinstance(ref.get("id"), str) and isinstance(ref.get("version"), str):
        return ref["id"], ref["version"]
    return None


def context_rubric(context: Any) -> Rubric | None:
    """The rubric the loader looked up for the document being validated (``context["rubric"]``),
    or None without one (then references to it are not checked).

    :raises: the located validation error at ``rubric.id`` or ``rubric.version`` if the loader
        found no such rubric installed (it passes the :class:`RubricNotInstalled` instead).
    """
    found = context.get("rubric") if isinstance(context, Mapping) else None
    if isinstance(found, RubricNotInstalled):
        which = "a rubric of your own" if found.field == "id" else "another version"
        raise invalid(f"{found.expected}; for {which}, give the directory holding it with --rubric-path DIR, "
                      "before the command", found.found, path=("rubric", found.field))
    return found if isinstance(found, Rubric) else None


class RubricNotInstalled(LookupError):
    """A document names a rubric id or version that is not installed."""

    def __init__(self, field: Literal["id", "version"], expected: str, found: str) -> None:
        self.field, self.expected, self.found = field, expected, found
        super().__init__(f"expected {expected}, found {found}")


class RubricRef(Model):
    """The rubric (and exact version) the review is scored against."""

    id: Id
    version: Version


class ItemOutline(Model):
    id: str
    code: str | None = None
    title: str


class SectionOutline(Model):
    id: str
    code: str | None = None
    title: str
    components: list[ItemOutline]


class RubricUsed(Model):
    """The rubric that judged: id, version, file hash, its outline, a hash of each item's wording."""

    id: str
    version: str
    sha256: str
    title: str
    sections: list[SectionOutline]
    """Sections and their components, in reading order."""
    items: dict[str, str]
    """Item id -> sha256 of its title, questions, scale and descriptors (to detect wording changes)."""
