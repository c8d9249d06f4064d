"""A table error names its place as a spreadsheet shows it, and survives the trips an error takes."""

from __future__ import annotations

import pickle

from stocktake.core.cells import TableError, cell_name


def test_cell_names_run_past_z():
    assert [cell_name(c, 7) for c in (0, 2, 25, 26, 701, 702, 16_383)] == ["A7", "C7", "Z7", "AA7", "ZZ7", "AAA7",
                                                                           "XFD7"]


def test_the_place_reads_as_a_spreadsheet_shows_it():
    assert str(TableError("x", "y", file="r.xlsx", sheet="ratings", row=7, column=3, path=("level",))) == \
        "r.xlsx, sheet ratings, cell C7 (level): expected x, found y"
    assert TableError("x", "y", file="r.xlsx", sheet="Team A", row=7).where == "r.xlsx, sheet 'Team A', row 7"
    assert TableError("x", "y", file="r.csv", line=9, row=7, column=1, path=("evidence", 1)).where == \
        "r.csv, cell A7 (line 9) (evidence[1])"


def test_it_keeps_its_place_when_located_prefixed_or_pickled():
    err = TableError("x", "y", file="r.xlsx", sheet="ratings", row=7, column=3, path=("level",))
    for copy in (err.located("r.xlsx"), pickle.loads(pickle.dumps(err))):
        assert str(copy) == str(err) and (copy.line, copy.column) == (7, 3)
    assert str(err.at("ratings", 0)).startswith("r.xlsx, sheet ratings, cell C7 (ratings[0].level)")
