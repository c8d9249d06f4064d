"""The published JSON Schemas (Draft 2020-12), the document kinds they describe, and validation
of documents against them.

The files in ``schemas/`` are generated from the pydantic models (``python -m stocktake.kinds``)
and committed; a test fails if a model changes without its schema. Validators never fetch
anything: ``$ref`` resolves only inside the schema's own ``$defs``.

The core knows no document kind itself: callers pass the kind, or the table of kinds
(:data:`stocktake.kinds.KINDS`, the facade's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stocktake.core.errors import DATE_WRITTEN, DocumentError, UsageError

if TYPE_CHECKING:
    from stocktake.core.models import Model
    from stocktake.core.parsing import Limits

__all__ = [
    "DocumentKind", "generate_schema", "kind_named", "load_schema", "schema_error", "schema_errors",
    "validate_against_schema",
]

DIALECT = "https://json-schema.org/draft/2020-12/schema"



@dataclass(frozen=True)
class DocumentKind:
    """One ``kind`` of document: its model, its schema file, what it is for and what the loader
    does before validating it. The functions import what they need when called, so that naming a
    kind (``stocktake schema``, validating another kind) imports no model."""

    name: str
    """The value of ``kind`` in the document."""
    model: Callable[[], type[Model]]
    """Returns the pydantic model class."""
    schema_file: str
    """File name in ``schemas/``."""
    summary: str
    """One line saying what the document holds."""
    prepare: Callable[[dict[str, Any], Path | None, Limits], Any] | None = None
    """``(data, path, limits) -> Prepared``: pulls referenced files into the parsed data before
    validation (see :func:`stocktake.core.loading.load_document`)."""
    rubric: Callable[[Any], tuple[str, str] | None] | None = None
    """``data -> (id, version)`` of the rubric the parsed document names (None: none that can be
    looked up); the loader looks it up before validation and passes it as ``context["rubric"]``."""
    max_bytes: int | None = None
    """Largest document of this kind, in bytes, at the loader's default ``max_bytes`` (and in
    proportion to it), for kinds whose models and judgment build so much per byte that a document
    of ``max_bytes`` would not fit in memory; past it the loader refuses the document after
    parsing it, before validating. None: only ``max_bytes``."""
    larger: str = ""
    """What to do instead with a larger document (ends the refusal: ``"; split it"``)."""


def kind_named(name: str, kinds: Mapping[str, DocumentKind]) -> DocumentKind:
    """The document kind ``name`` (case-insensitive) in ``kinds``, or a :class:`UsageError`
    listing the kinds."""
    for kind in kinds.values():
        if kind.name.lower() == name.lower():
            return kind
    raise UsageError(f"unknown document kind {name!r} (kinds: {', '.join(kinds)})")


def load_schema(kind: DocumentKind) -> dict[str, Any]:
    """The published schema of ``kind``, as shipped in ``schemas/``."""
    return _schema_file(kind.schema_file)


@cache
def _schema_file(name: str) -> dict[str, Any]:
    import json  # here, not at the top: the CLI imports this module at start-up (the kinds)

    from stocktake.core.resources import data_dir

    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def generate_schema(spec: DocumentKind) -> dict[str, Any]:
    """Build the schema of ``spec`` from its pydantic model (what ``schemas/`` must contain)."""
    body = spec.model().model_json_schema(mode="validation")
    return {
        "$schema": DIALECT,
        "$id": f"urn:stocktake:schema:{spec.schema_file.removesuffix('.schema.json')}",
        "description": f"Stocktake {spec.name} document: {spec.summary}.",
        **{k: v for k, v in body.items() if k != "description"},
    }


@cache
def _validator(schema_file: str) -> Any:
    return local_validator(_schema_file(schema_file))


def local_validator(schema: dict[str, Any]) -> Any:
    """A Draft 2020-12 validator that resolves ``$ref`` only inside ``schema``: its registry is
    empty and has no retrieval function, so a reference to a URL or a file is unresolvable (an
    error) and nothing is fetched or read."""
    from jsonschema import Draft202012Validator
    from referencing import Registry

    return Draft202012Validator(schema, registry=Registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_against_schema(kind: DocumentKind, data: Any) -> None:
    """Raise the most relevant schema violation of ``data`` against the published schema of
    ``kind`` as a :class:`DocumentError`."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator(kind.schema_file).iter_errors(data))
    if error is not None:
        raise schema_error(error, _schema_file(kind.schema_file))


def schema_errors(kind: DocumentKind, data: Any) -> list[DocumentError]:
    """Every schema violation of ``data`` against the published schema of ``kind``, one per place
    (the most relevant there, as :func:`validate_against_schema` picks), a missing or unknown
    property each on its own."""
    from jsonschema.exceptions import best_match

    by_place: dict[tuple[Any, ...], list[Any]] = {}
    for error in _validator(kind.schema_file).iter_errors(data):
        # One error per value; a mapping's missing and unknown properties are each their own.
        about = error.validator if error.validator in _PROPERTY_KEYWORDS else ""
        by_place.setdefault((*error.absolute_path, about), []).append(error)
    out: list[DocumentError] = []
    for errors in by_place.values():
        chosen = best_match(errors)
        out += _each_property(chosen) or [schema_error(chosen, _schema_file(kind.schema_file))]
    return out


_PROPERTY_KEYWORDS = ("required", "additionalProperties", "unevaluatedProperties")


def _each_property(error: Any) -> list[DocumentError]:
    """One error per missing or unknown property of a ``required`` or ``additionalProperties``
    violation that names several (empty for any other)."""
    instance, value = error.instance, error.validator_value
    if not isinstance(instance, dict) or not isinstance(error.schema, dict):
        return []
    path = tuple(error.absolute_path)
    if error.validator == "required":
        missing = [name for name in value if name not in instance]
        return [DocumentError(f"property {name!r}", "a mapping without it", path=path)
                for name in missing] if len(missing) > 1 else []
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in instance if k not in allowed]
        if len(extras) > 1:
            return [_unknown_property(allowed, name, path, instance) for name in extras]
    return []


def _unknown_property(allowed: list[str], name: str, path: tuple[Any, ...], present: Any = ()) -> DocumentError:
    """An unknown property ``name``, suggesting the allowed one meant (of those not yet ``present``)."""
    from stocktake.core.suggest import did_you_mean

    near = did_you_mean(name, [a for a in allowed if a not in present])
    return DocumentError("one of the properties " + ", ".join(allowed) if allowed else "no properties",
                         f"unknown property {name!r}{near}", path=(*path, name), on_key=True)


def schema_error(error: Any, root: dict[str, Any] | None = None) -> DocumentError:
    """Translate a ``jsonschema.ValidationError`` into expected/found wording and a path
    (``root``: the whole schema, where the shapes a choice accepts are looked up)."""
    path = tuple(error.absolute_path)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    keyword = error.validator
    value = error.validator_value
    if keyword == "required" and isinstance(instance, dict):
        missing = [name for name in value if name not in instance]
        return DocumentError(
            f"property {missing[0]!r}" if missing else "the required properties",
            "a mapping without it",
            path=path,
        )
    if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extras = sorted(k for k in instance if k not in allowed)
        return _unknown_property(allowed, extras[0] if extras else "?", path, instance)
    if (special := _date_or_nullable(error, path, root)) is not None:
        return special
    if keyword == "type":
        wanted = value if isinstance(value, list) else [value]
        return DocumentError(" or ".join(_a(t) for t in wanted), describe_value(instance), path=path)
    if keyword == "const":
        return DocumentError(repr(value), describe_value(instance), path=path)
    if keyword == "enum":
        from stocktake.core.suggest import did_you_mean

        near = did_you_mean(instance, [v for v in value if isinstance(v, str)]) if isinstance(instance, str) else ""
        return DocumentError("one of " + ", ".join(repr(v) for v in value), describe_value(instance) + near, path=path)
    if keyword == "pattern":
        # Our named text types describe themselves; other patterns are shown as they are.
        named = schema.get("title") in ("Id", "Version") and schema.get("description")
        what = _lower_first(named.rstrip(".")) if named else f"text matching {value}"
        return DocumentError(what, describe_value(instance), path=path)
    if keyword == "minItems":
        return DocumentError(f"at least {value} item(s)", describe_value(instance), path=path)
    if keyword == "maxItems":
        return DocumentError(f"at most {value} item(s)", describe_value(instance), path=path)
    if keyword == "minProperties":
        return DocumentError(f"at least {value} entries", describe_value(instance), path=path)
    if keyword == "minLength":
        return DocumentError(
            "non-empty text" if value == 1 else f"text of at least {value} characters",
            describe_value(instance), path=path,
        )
    if keyword == "maxLength":
        return DocumentError(f"text of at most {value} characters", describe_value(instance), path=path)
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": "at least", "exclusiveMinimum": "more than",
                 "maximum": "at most", "exclusiveMaximum": "less than"}
        return DocumentError(f"a number {words[keyword]} {value}", describe_value(instance), path=path)
    if keyword == "format":
        return DocumentError(f"a valid {value}", describe_value(instance), path=path)
    if keyword in ("anyOf", "oneOf") and isinstance(value, list):
        shapes = list(dict.fromkeys(_shape(option, root or {}) for option in value if option != {"type": "null"}))
        accepted = shapes[0] if len(shapes) == 1 else "one of: " + "; ".join(shapes)
        return DocumentError(accepted, describe_value(instance), path=path)
    return DocumentError(_lower_first(error.message), "a value that does not fit", path=path)


def _shape(option: Any, root: dict[str, Any]) -> str:
    """What a value of the subschema ``option`` looks like, in words (``a mapping with level,
    rationale, evidence or criteria``; ``text``); ``$ref`` looked up in ``root``'s ``$defs``."""
    if not isinstance(option, dict):
        return "a value"
    ref = option.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        option = root.get("$defs", {}).get(ref[len("#/$defs/"):], {})
    if "const" in option:
        return repr(option["const"])
    if "enum" in option:
        return "one of " + ", ".join(repr(v) for v in option["enum"])
    kind = option.get("type")
    if kind == "object" and option.get("properties"):
        return "a mapping with keys " + ", ".join(option["properties"])
    if isinstance(kind, str):
        return _a(kind)
    if "anyOf" in option:
        return "; ".join(_shape(inner, root) for inner in option["anyOf"])
    return "a value"


def _date_or_nullable(error: Any, path: tuple[Any, ...], root: dict[str, Any] | None) -> DocumentError | None:
    """A date that is not text (a number is no date), or a nullable value worded from its other branch."""
    keyword, value = error.validator, error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    dates = [schema] if keyword == "type" else value if keyword == "anyOf" and isinstance(value, list) else []
    if any(isinstance(s, dict) and s.get("format") == "date" for s in dates):
        return DocumentError(DATE_WRITTEN, describe_value(error.instance), path=path)
    if keyword == "anyOf" and error.context and {"type": "null"} in value and len(value) == 2:
        inner = [e for e in error.context if e.schema != {"type": "null"}]
        if inner:
            return schema_error(inner[0], root)
    return None


def describe_value(value: Any) -> str:
    """A short description of a found value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return f"a mapping with {len(value)} entries" if value else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)} items" if value else "an empty list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _a(json_type: str) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "text", "integer": "an integer",
             "number": "a number", "boolean": "true or false", "null": "null"}
    return names.get(json_type, json_type)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def write_schemas(directory: Path, kinds: Mapping[str, DocumentKind]) -> list[Path]:
    """Write the generated schema of every kind in ``kinds`` into ``directory``; return the files
    written."""
    import json

    written = []
    for _, spec in sorted(kinds.items()):
        path = directory / spec.schema_file
        path.write_text(json.dumps(generate_schema(spec), indent=2, sort_keys=True) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written
