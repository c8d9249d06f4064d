"""The flat table of judgments: a stable contract of columns, one row per judgment."""

from __future__ import annotations

import pytest

from stocktake.judgment.model import Flag, Input, Judgment, Override, RuleRef, Subject
from stocktake.judgment.table import COLUMNS, JOIN, judgment_row, row


def test_the_columns_and_their_order_are_the_published_contract():
    # Changing this list breaks every spreadsheet and BI model built on the table: only append.
    assert tuple(COLUMNS) == (
        "subject", "aspect", "code", "title", "parent", "level", "state", "computed", "override",
        "override_reason", "override_by", "flags", "because", "evidence", "inputs", "scale", "rule",
        "rule_version", "rule_plugin", "decided_by")
    assert all(COLUMNS.values()), "every column says what it holds"
    assert JOIN == "; "


def _judgment(**extra) -> Judgment:
    return Judgment(**{
        "subject": Subject.of("component", "plans"), "title": "Produce delivery plans", "scale": "delivery",
        "state": "rated", "rating": "AR", "computed": "AG",
        "override": Override(level="AR", reason="Plans are not costed.", by=["du", "ind"]),
        "rule": RuleRef(plugin="builtin-aggregation", id="lower-median", version="2.0"), "decided_by": ["r2", "r1"],
        "because": "AG is the lower median.", "evidence": ["E1", "E2"],
        "inputs": [Input(name="du", value="AG"), Input(name="self", value=None)],
        "flags": [Flag(code="overridden", message="."), Flag(code="disagreement", message=".")], **extra})


def test_a_judgment_is_one_row_with_every_list_joined_in_the_judgments_order():
    cells = dict(zip(COLUMNS, judgment_row(_judgment(), aspect="capacity", code="3C", parent="section:plan"),
                     strict=True))
    assert cells == {
        "subject": "component:plans", "aspect": "capacity", "code": "3C", "title": "Produce delivery plans",
        "parent": "section:plan", "level": "AR", "state": "rated", "computed": "AG", "override": "AR",
        "override_reason": "Plans are not costed.", "override_by": "du; ind", "flags": "overridden; disagreement",
        "because": "AG is the lower median.", "evidence": "E1; E2", "inputs": "du=AG; self=",
        "scale": "delivery", "rule": "lower-median", "rule_version": "2.0", "rule_plugin": "builtin-aggregation",
        "decided_by": "r2; r1"}


def test_missing_levels_and_no_override_are_empty_cells_never_a_word():
    cells = dict(zip(COLUMNS, judgment_row(_judgment(state="not-rated", rating=None, computed=None, override=None),
                                           aspect="capacity"), strict=True))
    assert (cells["level"], cells["computed"], cells["override"], cells["override_by"], cells["code"]) == ("",) * 5
    assert cells["state"] == "not-rated"


def test_a_row_not_from_a_judgment_names_its_cells_by_column():
    cells = dict(zip(COLUMNS, row(subject="chain:c", aspect="finding", level="AR"), strict=True))
    assert cells["subject"] == "chain:c" and cells["level"] == "AR" and cells["because"] == ""
    with pytest.raises(KeyError, match="levle"):
        row(levle="AR")


def test_the_readme_documents_every_column_in_order():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Judgments as a table"):]
    section = section[:section.index("\n#")]
    named = [name for line in section.splitlines() if line.startswith("| `")
             for name in line.split("|")[1].replace("`", "").replace(",", " ").split()]
    assert named == list(COLUMNS)
