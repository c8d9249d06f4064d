"""The base of every model a user writes, and the small vocabularies they share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError, core_schema

from stocktake.core.errors import DATE_WRITTEN
from stocktake.core.field_docs import FROM_SOURCE, apply_field_docs

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler

__all__ = ["Date", "Finite", "Id", "LevelText", "Model", "Problems", "SchemaVersion", "StrictInt", "Text", "Version",
           "as_written", "invalid", "repeated", "unique_ids"]


def _not_a_bool(value: Any) -> Any:
    # True == 1 in Python, so Literal[1] would accept `true`; the schema does not.
    return repr(value) if isinstance(value, bool) else value


SchemaVersion = Annotated[Literal[1], BeforeValidator(_not_a_bool)]
"""Version 1 of a file format (``true`` is not 1)."""

StrictInt = Annotated[int, Field(strict=True)]
"""An integer, never coerced from text, booleans or floats (as the schema's ``integer``).
Spelt with ``Field`` rather than ``pydantic.StrictInt``, whose module costs 50 ms to import."""


Finite = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-1e300, le=1e300)]
"""A number a result computed: finite, within 1e300 either side of zero (so drawing it, with
margins, cannot overflow), never text or a boolean."""


class _TextOrDigits:
    """The schema of :data:`LevelText`: text, or an integer (never a bool or a float) turned into
    its digits. Validated as the union ``str | int`` (so text costs no Python call and a rejected
    value gets exactly the union's errors, first ``$.….str: expected text``)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return handler.generate_schema(str | Annotated[StrictInt, AfterValidator(str)])


LevelText = Annotated[str, _TextOrDigits()]
"""A level code, label or alias, always text after validation: ``3`` and ``"3"`` are both ``"3"``.
The schema accepts text or an integer. Models resolve it to the scale's code themselves."""


class _WrittenDate:
    """The schema of :data:`Date`: a ``datetime.date`` (not a datetime), or text ``YYYY-MM-DD``
    in ASCII digits naming a real day, as the schema's ``format: date``. pydantic's own date
    would also take 1700000000 (a Unix time), ``"0"`` or ``"2024-01-01T00:00:00"``."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        written = core_schema.chain_schema([
            core_schema.str_schema(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", strict=True), core_schema.date_schema()])
        return core_schema.union_schema(
            [core_schema.date_schema(strict=True), written],
            custom_error_type="date_written", custom_error_message=DATE_WRITTEN)

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        return {"type": "string", "format": "date"}


Date = Annotated[dt.date, _WrittenDate()]
"""A date, written ``YYYY-MM-DD`` (YAML's unquoted dates are read as that text); never a number."""


def as_written(data: Any, path: tuple[str | int, ...], default: Any) -> Any:
    """The value at ``path`` in a model's raw input ``data`` (before validators normalised it),
    or ``default`` where ``path`` does not lead to one. For error messages that quote the
    document, e.g. a level written as ``7`` rather than ``"7"``."""
    node = data
    for step in path:
        found = (isinstance(node, dict) and isinstance(step, str) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node))
        if not found:
            return default
        node = node[step]
    return node


def repeated(first: str, again: str) -> str:
    """What was found where an id must be unique and ``again`` repeats ``first`` (ids are compared
    after case-folding, so ``1A`` and ``1a`` are one id: a reference to one must not land on the other)."""
    if again == first:
        return f"{again!r} again"
    return f"{again!r}, the same as {first!r} apart from case"


def unique_ids(items: Sequence[Any], field: str, what: str, key: str = "id",
               problems: Problems | None = None) -> dict[str, Any]:
    """``items`` (the list at ``field``) by their ``key`` attribute, which must be unique after
    case-folding: each repetition is an error at ``(field, i, key)`` expecting ``what`` (e.g.
    "actor ids unique") and saying which one it repeats (see :func:`repeated`); all are raised
    together, or added to ``problems`` if given (the first of each id is then returned)."""
    out: dict[str, Any] = {}
    first_of: dict[str, str] = {}  # case-folded id -> the id as first written
    own = problems is None
    problems = Problems() if problems is None else problems
    for i, item in enumerate(items):
        value = getattr(item, key)
        first = first_of.setdefault(value.casefold(), value)
        if first != value or value in out:
            problems.add(invalid(what, repeated(first, value), path=(field, i, key)))
        else:
            out[value] = item
    if own:
        problems.check()
    return out


ERROR_TYPE = "stocktake"
"""pydantic error type of the errors raised by :func:`invalid`."""


def invalid(
    expected: str, found: str, *, path: tuple[str | int, ...] = (), on_key: bool = False
) -> PydanticCustomError:
    """An error for a model validator to raise: pydantic adds where the model sits in the
    document, and the loader turns it into a located :class:`~stocktake.core.errors.DocumentError`.

    ``path`` is the place inside the model being validated.
    """
    return PydanticCustomError(
        ERROR_TYPE,
        "expected {expected}, found {found}",
        {"expected": expected, "found": found, "path": list(path), "on_key": on_key},
    )


class Problems:
    """The errors of a model validator that checks many things (each reference of a review), so
    that it reports all of them at once instead of stopping at the first::

        problems = Problems()
        for i, ref in enumerate(refs):
            with problems:
                check(ref)  # raises invalid(...)
        problems.check()    # raises them all, if any
    """

    def __init__(self) -> None:
        self.errors: list[PydanticCustomError] = []

    def add(self, error: PydanticCustomError) -> None:
        self.errors.append(error)

    def __enter__(self) -> Problems:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> bool:
        if isinstance(error, PydanticCustomError):
            self.errors.append(error)
            return True
        return False

    def check(self, title: str = "document") -> None:
        """Raise every error added (pydantic merges them into the document's, each at its path)."""
        if self.errors:
            from pydantic_core import InitErrorDetails, ValidationError

            raise ValidationError.from_exception_data(title, [
                InitErrorDetails(type=error, loc=(), input=None) for error in self.errors])


class Model(BaseModel):
    """Base model: unknown fields are errors; built on first use to keep start-up cheap. Attribute
    docstrings are the fields' descriptions (see :mod:`stocktake.core.field_docs`)."""

    model_config = ConfigDict(
        extra="forbid",
        defer_build=True,
        use_attribute_docstrings=FROM_SOURCE,
        populate_by_name=False,
        serialize_by_alias=True,
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not FROM_SOURCE:
            apply_field_docs(cls)


Id = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        max_length=100,
        description="A stable identifier: ASCII letters (A-Z, a-z), digits, '.', '_' or '-', starting with a "
                    "letter or digit.",
    ),
]
"""A stable identifier that other documents refer to."""

Version = Annotated[
    str,
    Field(
        pattern=r"^[0-9]+(\.[0-9]+){0,2}$",
        description="A version: MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH, digits only.",
    ),
]
"""A version number compared part by part as integers."""

Text = Annotated[str, Field(min_length=1)]
"""Non-empty text."""


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for a :data:`Version`: ``"1.10"`` sorts after ``"1.9"``."""
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
