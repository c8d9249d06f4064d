"""A table of priorities judged by the columnar kernel gives what ``stocktake judge --format csv`` gives."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest

from stocktake import Engine
from stocktake.core.errors import DocumentError, UsageError
from stocktake.core.workbook_out import table_csv
from stocktake.judgment.table import COLUMNS

pd = pytest.importorskip("pandas", reason="the columnar kernel's tests need pandas (the dask extra)")
pa = pytest.importorskip("pyarrow", reason="the columnar kernel's tests need pyarrow (the dask extra)")

from benchmarks.columnar import flat  # noqa: E402
from benchmarks.generate import priority  # noqa: E402

AS_OF = "2026-10-31"  # the date the command_csv fixture (conftest.py) judges on


def _arrow(rows: list[dict]):
    """Rows as an Arrow table with every column any row has (``from_pylist`` takes the first row's)."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    return pa.table({name: [row.get(name) for row in rows] for name in names})


def _csv(frame) -> bytes:
    """Judgments as the command's CSV writer writes them."""
    rows = [tuple(r) for r in (frame.itertuples(index=False, name=None) if isinstance(frame, pd.DataFrame)
                               else zip(*(frame.column(c).to_pylist() for c in COLUMNS)))]
    return table_csv(tuple(COLUMNS), rows)


def test_a_dataframe_with_json_columns_gives_the_commands_csv(table_documents, command_csv):
    frame = pd.DataFrame([flat(d) for d in table_documents])
    judged = Engine().table_judge(as_of=AS_OF)(frame)
    assert isinstance(judged, pd.DataFrame) and list(judged.columns) == list(COLUMNS)
    assert len(judged) == 2 * len(table_documents)
    assert _csv(judged) == command_csv


def test_an_arrow_table_with_list_columns_gives_the_commands_csv(table_documents, command_csv):
    table = _arrow([flat(d, lists="native") for d in table_documents])
    assert pa.types.is_list(table.schema.field("actuals").type)  # list<struct>, as a data team keeps it
    judged = Engine().table_judge(as_of=AS_OF)(table)
    assert isinstance(judged, pa.Table) and judged.column_names == list(COLUMNS)
    assert _csv(judged) == command_csv


def test_dates_as_dates_and_a_dataframe_index_label_in_errors(table_documents):
    rows = [flat(d) for d in table_documents[:3]]
    frame = pd.DataFrame(rows, index=[10, 11, 12])
    frame["baseline_date"] = pd.to_datetime(frame["baseline_date"])  # a datetime64 column: midnight is the day
    judge = Engine().table_judge(as_of=AS_OF)
    assert _csv(judge(frame)) == _csv(judge(pd.DataFrame(rows)))
    frame["baseline_value"] = frame["baseline_value"].astype(object)
    frame.loc[11, "baseline_value"] = "sixty"
    with pytest.raises(DocumentError) as caught:
        judge(frame)
    assert str(caught.value).startswith("<table> row 11: $.baseline_value: expected")


@pytest.mark.parametrize(("change", "message"), [
    ({"target_value": None}, "<table> row 1: $.target_value: expected a value in column 'target_value', "
                             "found an empty cell"),
    ({"actuals": "[{\"date\": \"2024-02-01\"}]"}, "<table> row 1: $.actuals[0]: expected property 'value'"),
    ({"actuals": "[{"}, "<table> row 1: $.actuals: expected a list, or JSON text, found text that is not JSON"),
    ({"planning": "purple"}, "<table> row 1: $.planning: expected a level of scale"),
    ({"trajectory": json.dumps([{"date": "2099-01-01", "value": 1}])}, "<table> row 1: $.trajectory[0].date: "),
    ({"id": "p000000"}, "<table> row 1: $.id: expected priority ids unique, found 'p000000' again (first on row 0)"),
])
def test_an_invalid_row_names_its_row_and_column(change, message):
    rows = [flat(priority(0, points=3)), {**flat(priority(1, points=3)), **change}]
    for table in (pd.DataFrame(rows), _arrow(rows)):
        with pytest.raises(DocumentError) as caught:
            Engine().table_judge(as_of=AS_OF)(table)
        assert str(caught.value).startswith(message), str(caught.value)


def test_a_column_that_is_not_a_priorities_is_refused_with_a_suggestion():
    frame = pd.DataFrame([{**flat(priority(0, points=3)), "baseline_valu": 1}])
    with pytest.raises(UsageError, match=r"'baseline_valu' is not a priority's.*baseline_value"):
        Engine().table_judge(as_of=AS_OF)(frame)


def test_neither_pandas_nor_arrow_is_refused():
    with pytest.raises(UsageError, match="pandas DataFrame or an Arrow table"):
        Engine().table_judge(as_of=AS_OF)([flat(priority(0))])


def test_an_empty_table_gives_no_judgments_and_meta_is_the_empty_output():
    judge = Engine().table_judge(as_of=AS_OF)
    empty = judge(pd.DataFrame({"id": pd.Series([], dtype=object)}))
    assert list(empty.columns) == list(COLUMNS) and len(empty) == 0
    assert list(judge.meta().columns) == list(COLUMNS)
    assert judge.meta(pa.table({"id": pa.array([], pa.string())})).column_names == list(COLUMNS)


def test_the_judge_pickles_its_configuration_and_prepares_again_in_a_copy():
    judge = Engine().table_judge(as_of=AS_OF, rules="likelihood-default")
    data = pickle.dumps(judge)
    assert len(data) < 2_000 and b"CompiledTable" not in data and b"Rubric" not in data
    copy = pickle.loads(data)
    frame = pd.DataFrame([flat(priority(seed)) for seed in range(5)])
    assert copy(frame).equals(judge(frame))


def test_a_judge_over_in_process_plugins_says_it_cannot_be_sent():
    from stocktake.plugins import builtin_rubrics, builtin_scales, likelihood_rules

    engine = Engine(plugins=[("builtin-scales", builtin_scales), ("builtin-rubrics", builtin_rubrics),
                             ("builtin-rules", likelihood_rules)],
                    load_entry_points=False)
    judge = engine.table_judge(as_of=AS_OF)
    assert len(judge(pd.DataFrame([flat(priority(0))]))) == 2  # it works here
    with pytest.raises(UsageError, match="cannot be sent to another process"):
        pickle.dumps(judge)


def test_a_bad_rule_set_fails_when_the_judge_is_made():
    with pytest.raises(Exception, match="no-such-rules"):
        Engine().table_judge(as_of=AS_OF, rules="no-such-rules")
    with pytest.raises(UsageError, match="as_of"):
        Engine().table_judge(as_of="31/10/2026")


def test_importing_the_engine_and_the_kernel_loads_no_dataframe_library():
    code = ("import sys, stocktake, stocktake.api, stocktake.likelihood.columnar\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'pyarrow', 'dask', 'numpy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]"
