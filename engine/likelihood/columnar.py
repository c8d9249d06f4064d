"""Judging a table of priorities: a pandas DataFrame or an Arrow table in, its judgments out.

For data teams that keep priorities as a table and judge millions of them in their own engine
(Dask, Spark, Ray): :class:`TableJudge` is a picklable callable, so each worker process gets a
copy. It pickles its configuration (how to build the engine, the rule sets, the date) and prepares
the run (the rule set compiled, the rubric found) once per process, on its first table.

The priority table is one row per priority, one column per field of a ``Priority`` (the schema
``schemas/delivery-assessment``): :data:`COLUMNS` says what each holds. A column may be left
out, and an empty cell (null, NaN, empty text) is as if the field were not given. Structured
columns hold a list (an Arrow ``list<struct>``, or Python lists of dicts in pandas) or the same
as JSON text; a rating column holds a level (``AG``, ``3``) or the whole rating (a struct, or a
JSON object with ``level``, ``rationale``, ``criteria``). A table names no rubric and no evidence,
like a JSON Lines batch: it is judged against the format's default rubric, and ratings cite no
evidence.

Each row is validated into the same ``Priority`` as every other path (an error names the row:
a pandas row by its index label, an Arrow row by its position from 0; and the column) and judged
by :func:`~stocktake.likelihood.judge.priority_data`. The judgments are the rows of the flat table
(:mod:`stocktake.judgment.table`), a likelihood and a severity row per priority in the table's
order: what ``stocktake judge --format csv`` writes for the same priorities, as cells before the
CSV writer makes them safe for a spreadsheet. Every column is text. A rule set that fails on a
priority is in its rows, as everywhere (no level, flagged ``rule-set-failed``); the command's exit
code 3 for it has no counterpart here.

pandas and pyarrow are imported only when a table of theirs is judged.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from stocktake.core.errors import DocumentError, UsageError
from stocktake.judgment.table import COLUMNS as JUDGMENT_COLUMNS

if TYPE_CHECKING:
    from stocktake.likelihood.batches import Prepare
    from stocktake.likelihood.judge import JudgingRun

__all__ = ["COLUMNS", "TableJudge"]

COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "id": (("id",), "the priority's id (required)"),
    "title": (("title",), "its title (required)"),
    "owner": (("owner",), "who owns it"),
    "metric_name": (("metric", "name"), "the target metric's name (required)"),
    "metric_unit": (("metric", "unit"), "its unit"),
    "metric_direction": (("metric", "direction"), "increase or decrease: which way is good (required)"),
    "baseline_date": (("baseline", "date"), "the baseline's date (required; a date, or text YYYY-MM-DD)"),
    "baseline_value": (("baseline", "value"), "the baseline's value (required)"),
    "target_date": (("target", "date"), "the target's date (required)"),
    "target_value": (("target", "value"), "the target's value (required)"),
    "interpolation": (("trajectory", "interpolation"), "linear (the default) or step"),
    "trajectory": (("trajectory", "points"), "the planned points between baseline and target: a list of "
                                             "{date, value}"),
    "actuals": (("actuals",), "the actuals: a list of {date, value}"),
    "tolerance_absolute": (("tolerance", "absolute"), "the tolerance band's half-width in the metric's units"),
    "tolerance_relative": (("tolerance", "relative"), "or as a fraction of the planned value (0.05 is 5%)"),
    "challenge": (("ratings", "challenge"), "the degree of challenge: a level, or the whole rating"),
    "planning": (("ratings", "planning"), "the quality of planning: a level, or the whole rating"),
    "capacity": (("ratings", "capacity"), "the capacity to drive progress: a level, or the whole rating"),
    "stage": (("ratings", "stage"), "the stage of delivery: a level, or the whole rating"),
    "leading_indicators": (("leading_indicators",), "a list of {name, level, values, note}"),
    "previous_level": (("previous", "level"), "the level at the previous report"),
    "previous_date": (("previous", "date"), "its date"),
    "agreed_level": (("agreed", "level"), "a level agreed over the computed one"),
    "agreed_reason": (("agreed", "reason"), "why it was agreed"),
    "agreed_by": (("agreed", "agreed_by"), "who agreed it: a list of names"),
    "actions": (("actions",), "a list of {text, owner, due, status}"),
    "milestones": (("milestones",), "a list of {name, due, done}"),
    "commentary": (("commentary",), "the delivery unit's short word to the leader"),
}
"""Column name -> (where it goes in a ``Priority``, what it holds)."""

_STRUCTURED = frozenset({"trajectory", "actuals", "leading_indicators", "agreed_by", "actions", "milestones"})
"""Columns holding a list, or the list as JSON text."""
_RATINGS = frozenset({"challenge", "planning", "capacity", "stage"})
"""Columns holding a level, or the whole rating (a struct, or a JSON object as text)."""

_PREPARED: dict[bytes, tuple[JudgingRun, dict[str, Any]]] = {}
"""This process's prepared runs, by the pickled configuration that prepares them."""


class TableJudge:
    """Judges tables of priorities on ``as_of``: ``judge(table)`` gives the judgments as a table
    of the same type (see the module). ``prepare`` prepares the run and the context rows validate
    in (:func:`~stocktake.likelihood.judge.stream_run`); a copy made by pickling prepares it again,
    once per process, so ``prepare`` must pickle (None: this process only)."""

    __slots__ = ("_local", "as_of", "prepare")

    def __init__(self, prepare: Prepare | None, as_of: dt.date,
                 local: tuple[JudgingRun, dict[str, Any]] | None = None) -> None:
        self.prepare, self.as_of = prepare, as_of
        self._local = local
        """The run prepared in the process that made this judge (never pickled)."""

    @classmethod
    def of(cls, engine: Any, *, as_of: dt.date | str, rules: str | None = None,
           severity_rules: str | None = None) -> TableJudge:
        """A judge with ``engine``'s rule sets (``rules``, else the declared default; the same
        for ``severity_rules``), prepared here first so a bad rule set fails before any worker
        starts. It pickles only when the engine's plugins are installed (entry points)."""
        from stocktake.likelihood.judge import stream_run
        from stocktake.likelihood.model import DEFAULT_RUBRIC

        date = _date(as_of)
        severity = severity_rules or engine.default("severity-rule-set")
        how: tuple[str, tuple[str, str], dict[str, str], str] = (
            rules or engine.default("rule-set"), DEFAULT_RUBRIC, {}, severity)
        local = stream_run(lambda: engine, *how)
        rebuild: dict[str, Any] | None = engine._rebuild_args
        build: Any = type(engine)  # the engine's class, rebuilt from its arguments in each process
        prepare = None if rebuild is None else partial(stream_run, partial(build, **rebuild), *how)
        return cls(prepare, date, local)

    def __reduce__(self) -> Any:
        if self.prepare is None:
            raise UsageError("this table judge cannot be sent to another process: its engine has in-process "
                             "plugins; use an engine whose plugins are installed (entry points)")
        return (TableJudge, (self.prepare, self.as_of))

    def _prepared(self) -> tuple[JudgingRun, dict[str, Any]]:
        if self._local is None:
            key = pickle.dumps(self.prepare)
            if key not in _PREPARED:
                assert self.prepare is not None  # a judge without one is made prepared
                _PREPARED[key] = self.prepare()
            self._local = _PREPARED[key]
        return self._local

    def __call__(self, table: Any) -> Any:
        """The judgments of ``table`` (a pandas DataFrame or an Arrow table), of its type.

        :raises DocumentError: a row that is not a valid priority, naming the row and the column.
        :raises UsageError: a table of neither type, or a column that is not a priority's.
        """
        from stocktake.core.loading import gc_held
        from stocktake.judgment.model import Judgment
        from stocktake.likelihood.judge import priority_data
        from stocktake.likelihood.model import Priority
        from stocktake.likelihood.table import judgment_rows

        kind = _kind(table)
        run, context = self._prepared()
        rows: list[tuple[str, ...]] = []
        seen: dict[str, object] = {}
        with gc_held():  # many small models
            for label, cells in _rows(table, kind):
                priority = _validated(Priority, label, cells, context)
                if priority.id in seen:
                    raise DocumentError("priority ids unique", f"{priority.id!r} again (first on row "
                                        f"{seen[priority.id]})", path=("id",), file=f"<table> row {label}")
                seen[priority.id] = label
                # The result's data as every path makes it; only the judgments the rows read are
                # validated into their model (the rest of a PriorityResult is not in the table).
                data = priority_data(priority, self.as_of, run, [], {})
                severity = data["severity"]
                rows.extend(judgment_rows(Judgment.model_validate(data["judgment"]),
                                          None if severity is None else Judgment.model_validate(severity["judgment"])))
        return _table(kind, rows)

    def meta(self, like: Any = None) -> Any:
        """An empty table of the judgments' columns, of the type of ``like`` (default pandas): the
        ``meta`` Dask's ``map_partitions`` asks for."""
        return _table("arrow" if like is not None and _kind(like) == "arrow" else "pandas", [])


def _date(as_of: dt.date | str) -> dt.date:
    if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise UsageError(f"as_of: expected a date YYYY-MM-DD, found {as_of!r}") from None


def _kind(table: Any) -> str:
    module = type(table).__module__.split(".")[0]
    name = type(table).__name__
    if module == "pandas" and name == "DataFrame":
        return "pandas"
    if module == "pyarrow" and name == "Table":
        return "arrow"
    raise UsageError(f"judge a pandas DataFrame or an Arrow table of priorities, not a {module}.{name}")


def _rows(table: Any, kind: str) -> Iterator[tuple[object, dict[str, Any]]]:
    """(label, cells by column) of each row; every column checked first."""
    names = [str(name) for name in (table.columns if kind == "pandas" else table.column_names)]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        from stocktake.core.suggest import did_you_mean

        raise UsageError(f"the table's column {unknown[0]!r} is not a priority's{did_you_mean(unknown[0], COLUMNS)} "
                         f"(the columns: {', '.join(COLUMNS)})")
    if kind == "pandas":
        for label, *values in table.itertuples(index=True, name=None):
            yield label, dict(zip(names, values))
    else:
        yield from enumerate(table.to_pylist())


def _validated(model: Any, label: object, cells: Mapping[str, Any], context: dict[str, Any]) -> Any:
    """The row as a validated ``model`` (a Priority); errors name the row and the column."""
    from pydantic import ValidationError

    from stocktake.core.loading import document_error

    where = f"<table> row {label}"
    doc: dict[str, Any] = {}
    for column, value in cells.items():
        value = _plain(value)
        if value is None:
            continue
        if isinstance(value, str) and (column in _STRUCTURED or (column in _RATINGS and value.lstrip()[:1] == "{")):
            value = _json(value, column, where)
        path = COLUMNS[column][0]
        node = doc
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    try:
        return model.model_validate(doc, context=context)
    except ValidationError as err:
        problem = document_error(err, doc)
    except DocumentError as err:
        problem = err
    raise _in_columns(problem, where) from None


def _in_columns(problem: DocumentError, where: str) -> DocumentError:
    """``problem`` (at a place in the priority) at its column of the table."""
    path = problem.path
    if problem.found == "a mapping without it" and problem.expected.startswith("property "):
        missing = (*path, problem.expected.removeprefix("property ").strip("'"))
        columns = [name for name, (at, _) in COLUMNS.items() if at[:len(missing)] == missing]
        if columns:  # a field the table's columns give (not one inside a structured cell)
            return DocumentError(f"a value in column {' or '.join(columns)!r}", "an empty cell",
                                 path=columns[:1], file=where)
    best: tuple[str, int] | None = None
    for name, (at, _) in COLUMNS.items():
        if path[:len(at)] == at and (best is None or len(at) > best[1]):
            best = (name, len(at))
    if best is None:  # a whole group (the tolerance): its first column
        column = next((name for name, (at, _) in COLUMNS.items() if at[:len(path)] == path), "")
        return DocumentError(problem.expected, problem.found, path=(column,), file=where, on_key=problem.on_key)
    return DocumentError(problem.expected, problem.found, path=(best[0], *path[best[1]:]), file=where,
                         on_key=problem.on_key)


def _json(text: str, column: str, where: str) -> Any:
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise DocumentError("a list, or JSON text" if column in _STRUCTURED else "a level, or a JSON object",
                            f"text that is not JSON ({err})", path=(column,), file=where) from None


def _plain(value: Any) -> Any:
    """A cell as plain Python data: None for an empty cell (null, NaN, NaT, empty text), numpy
    scalars and arrays as Python numbers and lists, a datetime at midnight as its date; in a
    struct, fields with an empty value are left out (as if not given)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value if value != "" else None
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, dt.datetime):
        if value != value:  # pandas' NaT
            return None
        return value.date() if value.time() == dt.time() and value.tzinfo is None else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dict):
        return {k: v for k, v in ((k, _plain(v)) for k, v in value.items()) if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a numpy scalar
        return _plain(value.item())
    if hasattr(value, "tolist"):  # a numpy array (a list column in pandas)
        return _plain(value.tolist())
    return value


def _table(kind: str, rows: list[tuple[str, ...]]) -> Any:
    """The judgment rows as a table of ``kind``: every column text."""
    names = list(JUDGMENT_COLUMNS)
    if kind == "arrow":
        import pyarrow as pa

        return pa.table({name: pa.array([row[i] for row in rows], pa.string()) for i, name in enumerate(names)})
    import pandas as pd

    return pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(
        {name: pd.Series([], dtype=object) for name in names})
