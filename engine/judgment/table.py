"""The flat table of judgments: one row per judgment, the table analysts and BI tools read.

``stocktake review``, ``judge`` and ``chain`` write it with ``--format csv`` or ``xlsx``, and the
history store will export the same table, so it is a contract: the columns of :data:`COLUMNS`, in
that order, each meaning what :data:`COLUMNS` says. A column is never renamed, moved or removed;
new ones are only ever added at the end (read columns by name, not by position, and ignore those
you do not know).

Every cell is text (an empty text where there is nothing); a list in a cell is joined with
``"; "`` in the order the judgment holds it (evidence ids sorted, flags and inputs as the rule
gave them), so the same judgment always gives the same row. What the kernel's
:class:`~stocktake.judgment.model.Judgment` does not know (the aspect, a rubric's reference code,
the parent subject) each capability passes in; how cells are made safe to open in a spreadsheet
is the writer's business (:mod:`stocktake.render`).
"""

from __future__ import annotations

from collections.abc import Iterable

from stocktake.judgment.model import Judgment

__all__ = ["COLUMNS", "JOIN", "Row", "joined", "judgment_row", "row"]

COLUMNS: dict[str, str] = {
    "subject": "what is judged, as kind:id (component:define-aspiration, section:plan, priority:reading, "
               "chain:reading-chain)",
    "aspect": "what about it is judged: capacity (a review's components, criteria and stages), likelihood or "
              "severity (a priority), chain (a chain's judgment) or finding (one detector finding of a chain)",
    "code": "a short reference: the rubric's code of a component or stage (1A, 1), a finding's detector/code; "
            "empty where there is none",
    "title": "the subject's title",
    "parent": "the subject this one belongs to: a component's stage, a criterion's component, a chain's "
              "priority; empty where none",
    "level": "the level that stands (the agreed level if any, else the computed one); empty when none was formed",
    "state": "rated, partial, not-rated or no-consensus (empty for a finding)",
    "computed": "the level the rule gave",
    "override": "the agreed level that replaces the computed one, if any",
    "override_reason": "why it was agreed",
    "override_by": "who agreed it (a review's reviewer ids; for a priority, the names its agreed_by gives)",
    "flags": "flag codes: what to look at before trusting the level",
    "because": "one sentence saying why",
    "evidence": "the evidence ids behind the level, sorted",
    "inputs": "what the rule read, each name=value (value empty where missing): reviewers' ratings, "
              "a priority's inputs, the findings that capped a chain, the actors and links of a finding",
    "scale": "the scale the levels belong to",
    "rule": "the id of the rule (aggregation strategy, roll-up, rule set, detector) that decided",
    "rule_version": "its version",
    "rule_plugin": "the plugin that registered it",
    "decided_by": "for rule sets: the ids of the rules (rows) that decided",
}
"""The columns, in order, with what each holds."""

JOIN = "; "
"""Between the items of a list in one cell."""

Row = tuple[str, ...]
"""One row: a cell per column of :data:`COLUMNS`, in order."""


def joined(items: Iterable[str]) -> str:
    """A list as one cell: its items in order, joined with :data:`JOIN`."""
    return JOIN.join(items)


def row(**cells: str) -> Row:
    """A row from cells named by column; a column not named is empty. For rows that are not a
    judgment's (a chain's findings); a name that is not a column is a bug (``KeyError``)."""
    unknown = set(cells) - COLUMNS.keys()
    if unknown:
        raise KeyError(f"not columns of the flat table: {', '.join(sorted(unknown))}")
    return tuple(cells.get(name, "") for name in COLUMNS)


def judgment_row(judgment: Judgment, *, aspect: str, code: str | None = None, parent: str = "") -> Row:
    """``judgment`` as one row of the flat table; ``aspect``, ``code`` (None: empty) and ``parent``
    (a subject) are what the capability knows about it beyond the judgment."""
    override = judgment.override
    return row(
        subject=str(judgment.subject), aspect=aspect, code=code or "", title=judgment.title, parent=parent,
        level=judgment.rating or "", state=judgment.state, computed=judgment.computed or "",
        override=override.level if override else "", override_reason=override.reason if override else "",
        override_by=joined(override.by) if override else "",
        flags=joined(f.code for f in judgment.flags), because=judgment.because, evidence=joined(judgment.evidence),
        inputs=joined(f"{i.name}={i.value or ''}" for i in judgment.inputs), scale=judgment.scale,
        rule=judgment.rule.id, rule_version=judgment.rule.version, rule_plugin=judgment.rule.plugin,
        decided_by=joined(judgment.decided_by),
    )
