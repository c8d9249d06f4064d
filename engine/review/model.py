"""The ``CapacityReview`` document: a joint team's ratings of a rubric's components, with evidence.

References are checked when the document is validated: reviewers and evidence ids inside the
document, and (when the validation context has the ``rubric`` the review names, as the engine's
loader looks it up and provides) components, criteria and level codes against that rubric version.
Component references may use the item's id or its code (``3A``); both are normalised to the id,
and level names to their canonical code (levels are text either way).

Each reference is checked by its field's validator against the ids the review defines as
written (read before validation, from a context variable the review sets meanwhile), so it is
reported with the document's mistakes of shape, not once they are fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, ClassVar, Literal, get_args

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

from stocktake.core.models import (
    ERROR_TYPE,
    Date,
    Id,
    LevelText,
    Model,
    Problems,
    SchemaVersion,
    StrictInt,
    Text,
    invalid,
    unique_ids,
)
from stocktake.core.suggest import did_you_mean, listing
from stocktake.judgment.evidence import Evidence
from stocktake.rubric.model import Rubric, RubricRef, context_rubric

__all__ = [
    "JOINT_TEAM",
    "Action",
    "AgreedJudgment",
    "CapacityReview",
    "Finding",
    "Rating",
    "ReviewSettings",
    "Reviewer",
    "ReviewerRole",
]

MAX_EVIDENCE_AGE_DAYS = 36_500
"""The longest ``evidence_max_age_days``: a hundred years (800,000 days overflowed the date arithmetic)."""

ReviewerRole = Literal["self-review", "delivery-unit", "system-leader", "independent"]
"""A reviewer's place in the joint team."""

JOINT_TEAM: frozenset[ReviewerRole] = frozenset({"delivery-unit", "system-leader", "independent"})
"""The roles of the joint review team (seed 000, module 1B); ``self-review`` is not among them:
it comes before the team's interviews."""


class Reviewer(Model):
    """A member of the joint review team."""

    id: Id
    name: Text
    role: ReviewerRole
    organisation: str = ""


class _Leveled(Model):
    """An item that gives a level to a rubric item: its ``component`` (the item's id or code) is
    resolved to the item's id, its ``level`` to the code on the item's scale (the fields are the
    subclass's, so that they keep their order in the schema)."""

    _field: ClassVar[str]
    """The review's list of these items."""

    @model_validator(mode="before")
    @classmethod
    def _count(cls, data: Any) -> Any:
        if (refs := _CHECKING.get()) is not None:
            refs.started(cls._field)
        return data

    @field_validator("component", check_fields=False)
    @classmethod
    def _component(cls, ref: str) -> str:
        return ref if (refs := _CHECKING.get()) is None else refs.item_id(ref)

    @field_validator("level", mode="wrap", check_fields=False)
    @classmethod
    def _level(cls, written: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> str:
        level: str = handler(written)
        if (refs := _CHECKING.get()) is None or "component" not in info.data:
            return level
        level = refs.level(info.data["component"], level, written)
        cls._resolved(refs, info.data)
        return level

    @classmethod
    def _resolved(cls, refs: _References, data: dict[str, Any]) -> None:
        """The component and level are known (in ``data``, the fields validated so far)."""


class Rating(_Leveled):
    """One reviewer's level for one component (or criterion)."""

    _field = "ratings"
    component: str
    """The rubric item's id or code."""
    reviewer: Id
    level: LevelText
    """A level code or alias of the item's scale."""
    rationale: str = ""
    evidence: list[Id] = Field(default_factory=list)
    """Ids of evidence items defined in this review."""

    @classmethod
    def _resolved(cls, refs: _References, data: dict[str, Any]) -> None:
        if "reviewer" in data:
            refs.rated(data["component"], data["reviewer"])

    @field_validator("reviewer")
    @classmethod
    def _reviewer(cls, who: str) -> str:
        if (refs := _CHECKING.get()) is not None:
            refs.reviewer(who)
        return who

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, ids: list[str]) -> list[str]:
        if (refs := _CHECKING.get()) is not None:
            refs.evidence_ids(ids)
        return ids


class AgreedJudgment(_Leveled):
    """The team's agreed level for a component; it overrides the computed one (both are kept)."""

    _field = "judgments"
    component: str
    level: LevelText
    reason: Text
    agreed_by: list[Id] = Field(min_length=1)

    @classmethod
    def _resolved(cls, refs: _References, data: dict[str, Any]) -> None:
        refs.agreed(data["component"])

    @field_validator("agreed_by")
    @classmethod
    def _agreed_by(cls, ids: list[str]) -> list[str]:
        if (refs := _CHECKING.get()) is not None:
            problems = Problems()
            for j, who in enumerate(ids):
                with problems:
                    refs.reviewer(who, (j,))
            problems.check()
        return ids


class Finding(Model):
    """A strength, weakness or observation the team wants the leader to read."""

    text: Text
    kind: Literal["strength", "weakness", "observation"] = "observation"
    components: list[str] = Field(default_factory=list)

    @field_validator("components")
    @classmethod
    def _components(cls, named: list[str]) -> list[str]:
        if (refs := _CHECKING.get()) is None:
            return named
        problems = Problems()
        components = []
        for j, ref in enumerate(named):
            with problems:
                components.append(refs.item_id(ref, (j,)))
        problems.check()
        return components


class Action(Model):
    """An action the team proposes ("moving toward green")."""

    text: Text
    component: str | None = None
    horizon: Literal["near-term", "longer-term"] = "near-term"
    owner: str = ""

    @field_validator("component")
    @classmethod
    def _component(cls, ref: str | None) -> str | None:
        return ref if ref is None or (refs := _CHECKING.get()) is None else refs.item_id(ref)


class ReviewSettings(Model):
    """How this review is scored."""

    strategy: Id | None = None
    """Aggregation strategy; default: the rubric's, else ``lower-median``."""
    evidence_max_age_days: StrictInt = Field(default=730, ge=1, le=MAX_EVIDENCE_AGE_DAYS)
    """Evidence older than this many days before the review date is flagged (at most 36,500)."""


class CapacityReview(Model):
    """A delivery capacity review by a joint team."""

    kind: Literal["CapacityReview"]
    schema_version: SchemaVersion
    rubric: RubricRef
    system: Text
    """The system reviewed."""
    date: Date
    """When the review was concluded."""
    title: str = ""
    reviewers: list[Reviewer] = Field(min_length=1)
    evidence: list[Evidence] = Field(default_factory=list)
    ratings: list[Rating] = Field(default_factory=list)
    ratings_file: str | None = None
    """A CSV or XLSX file of further ratings, relative to this document: one row per rating
    (component, reviewer, level, rationale, evidence), or a matrix (one row per component, a level
    column per reviewer id), as ``stocktake template`` writes them."""
    ratings_sheet: Text | None = None
    """The worksheet of ``ratings_file`` holding the ratings; default: the sheet named ``ratings``,
    else the first whose first row has a ``component`` column."""
    ratings_notes: list[Text] = Field(default_factory=list)
    """Further columns of ``ratings_file`` that hold notes for people, read past (a column not
    declared here, nor one the template writes, is an error: it may be a misspelt one)."""
    judgments: list[AgreedJudgment] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    settings: ReviewSettings = Field(default_factory=ReviewSettings)

    @model_validator(mode="wrap")
    @classmethod
    def _check_references(cls, data: Any, handler: ModelWrapValidatorHandler[CapacityReview],
                          info: ValidationInfo) -> CapacityReview:
        """References resolved by the fields' validators (see the module); the problems of no one
        field (a repeated id, a second rating) are reported with the fields'."""
        refs = _References(data, info.context)
        token = _CHECKING.set(refs)
        try:
            review = handler(data)
        except ValidationError as err:
            if not refs.problems.errors:
                raise
            raise _joined(err, refs.problems.errors) from None
        finally:
            _CHECKING.reset(token)
        refs.problems.check()
        return review


class _References:
    """What one review's references are checked against, read from its raw ``data``, and the
    problems found that belong to no one field."""

    def __init__(self, data: Any, context: Any) -> None:
        data = data if isinstance(data, dict) else {}
        self.problems = Problems()
        self.reviewers = _unique_as_written(data, "reviewers", "reviewers ids unique", self.problems)
        self.evidence = _unique_as_written(data, "evidence", "evidence ids unique", self.problems)
        self.rubric: Rubric | None = None
        with self.problems:
            self.rubric = context_rubric(context)
        self.items = _item_index(self.rubric) if self.rubric is not None else None
        self.index = {"ratings": -1, "judgments": -1}
        """The index of the rating, the judgment validated (pydantic goes through a list in order)."""
        self.first_rating: dict[tuple[str, str], int] = {}
        self.agreed_components: set[str] = set()

    def started(self, field: str) -> None:
        """The next item of ``field`` (``ratings``, ``judgments``) is being validated."""
        self.index[field] += 1

    def item_id(self, ref: str, path: tuple[str | int, ...] = ()) -> str:
        """The id of the rubric item ``ref`` names (by id or code)."""
        if self.items is None or self.rubric is None:
            return ref
        found = self.items.get(ref)
        if found is None:
            rubric = self.rubric
            known = sorted({i.code or i.id for i in rubric.components()})
            raise invalid(f"a component or criterion of rubric {rubric.id} {rubric.version} "
                          f"(its id or code: {listing(known)})", repr(ref) + did_you_mean(ref, self.items),
                          path=path)
        return found

    def level(self, component: str, level: str, written: Any) -> str:
        """``level``'s code on the scale of the item ``component`` (an id); ``written`` is the
        level as the document wrote it, quoted by the error."""
        if self.rubric is None:
            return level
        scale = self.rubric.scale_of(self.rubric.item(component))  # type: ignore[arg-type]
        code = scale.resolve(level)
        if code is None:
            raise invalid(f"a level of scale {scale.id!r} ({scale.describe_codes()})", repr(written))
        return code

    def reviewer(self, who: str, path: tuple[str | int, ...] = ()) -> None:
        """An error unless ``who`` is a reviewer id defined under 'reviewers'."""
        if who not in self.reviewers:
            raise invalid(f"a reviewer id defined under 'reviewers' ({listing(self.reviewers)})",
                          repr(who) + did_you_mean(who, self.reviewers), path=path)

    def evidence_ids(self, ids: Sequence[str]) -> None:
        """An error for each of ``ids`` that is no evidence id defined under 'evidence'."""
        problems = Problems()
        for j, ref in enumerate(ids):
            if ref not in self.evidence:
                problems.add(invalid(f"an evidence id defined under 'evidence' ({listing(self.evidence)})",
                                     repr(ref) + did_you_mean(ref, self.evidence), path=(j,)))
        problems.check()

    def rated(self, component: str, reviewer: str) -> None:
        """The rating being validated is ``reviewer``'s of ``component`` (an id): a second one is an error."""
        i = self.index["ratings"]
        first = self.first_rating.setdefault((component, reviewer), i)
        if first != i:
            self.problems.add(invalid("one rating per reviewer per component",
                                      f"a second rating by {reviewer!r} of {component!r} "
                                      f"(first at $.ratings[{first}])", path=("ratings", i)))

    def agreed(self, component: str) -> None:
        """The judgment being validated is the team's of ``component``: a second one is an error."""
        if component in self.agreed_components:
            self.problems.add(invalid("one agreed judgment per component", f"a second one for {component!r}",
                                      path=("judgments", self.index["judgments"], "component")))
        self.agreed_components.add(component)


_CHECKING: ContextVar[_References | None] = ContextVar("stocktake_review_references", default=None)
"""The references of the review being validated (None outside a review's validation)."""


class _Written:
    """An item of a list as written, for :func:`unique_ids`: its ``id`` if text, else a placeholder
    no id can equal by accident (a NUL; an id that is no text is an error of its own)."""

    __slots__ = ("id",)

    def __init__(self, item: Any, i: int) -> None:
        found = item.get("id") if isinstance(item, dict) else None
        self.id = found if isinstance(found, str) else f"\0{i}"


def _unique_as_written(data: dict[str, Any], field: str, what: str, problems: Problems) -> dict[str, Any]:
    """The ids of the list at ``field`` of the raw ``data``, each repetition added to ``problems``."""
    items = data.get(field)
    if not isinstance(items, list):
        return {}
    found = unique_ids([_Written(item, i) for i, item in enumerate(items)], field, what, problems=problems)
    return {key: item for key, item in found.items() if not key.startswith("\0")}


_PYDANTIC_TYPES = frozenset(get_args(ErrorType))


def _joined(err: ValidationError, problems: list[PydanticCustomError]) -> ValidationError:
    """One error of pydantic's ``err`` and of ``problems`` (each at its path in the review)."""
    details: list[InitErrorDetails] = []
    for detail in err.errors(include_url=False):
        kind: Any = detail["type"]
        ctx = detail.get("ctx")
        if kind not in _PYDANTIC_TYPES:  # ours: raised again as they were made
            template = "expected {expected}, found {found}" if kind == ERROR_TYPE else detail["msg"]
            kind = PydanticCustomError(kind, template, ctx)
        found = InitErrorDetails(type=kind, loc=detail["loc"], input=detail["input"])
        if ctx is not None and not isinstance(kind, PydanticCustomError):
            found["ctx"] = ctx
        details.append(found)
    details += [InitErrorDetails(type=problem, loc=(), input=None) for problem in problems]
    return ValidationError.from_exception_data(err.title, details)


def _item_index(rubric: Rubric) -> dict[str, str]:
    """Map every id and every code (any case) of the rubric's rateable items to the item's id."""
    index: dict[str, str] = {}
    for component in rubric.components():
        index[component.id] = component.id
        if component.code:
            index.setdefault(component.code, component.id)
            index.setdefault(component.code.lower(), component.id)
            index.setdefault(component.code.upper(), component.id)
        for criterion in component.criteria:
            index[criterion.id] = criterion.id
    return index
