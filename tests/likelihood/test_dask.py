"""The columnar kernel on Dask: ``map_partitions`` on a 2-process ``LocalCluster`` gives the
command's judgments."""

from __future__ import annotations

import pytest

pytest.importorskip("dask.dataframe", reason="Dask is the dask extra's (pip install 'stocktake[dask]')")
pytest.importorskip("dask.distributed", reason="Dask's distributed scheduler is the dask extra's")

import dask.dataframe as dd
import pandas as pd
from dask.distributed import Client, LocalCluster
from test_columnar import AS_OF, _csv

from benchmarks.columnar import flat
from stocktake import Engine
from stocktake.judgment.table import COLUMNS


def _prepared_here() -> int:
    from stocktake.likelihood import columnar

    return len(columnar._PREPARED)


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      death_timeout=60) as cluster, Client(cluster, timeout=60) as connected:
        yield connected


def test_map_partitions_on_two_worker_processes_gives_the_commands_csv(client, table_documents, command_csv):
    frame = pd.DataFrame([flat(d) for d in table_documents])
    judge = Engine().table_judge(as_of=AS_OF)
    parts = dd.from_pandas(frame, npartitions=4)
    judged = parts.map_partitions(judge, meta=judge.meta()).compute()
    assert len(client.scheduler_info()["workers"]) == 2
    prepared = client.run(_prepared_here)  # the workers prepared the run themselves, once each at most
    assert sum(prepared.values()) >= 1 and set(prepared.values()) <= {0, 1}
    rows = pd.DataFrame({name: judged[name].astype(object).tolist() for name in COLUMNS})
    assert _csv(rows) == command_csv


def test_a_bad_row_in_a_worker_is_the_same_error_here(client, table_documents):
    from stocktake.core.errors import DocumentError

    rows = [flat(d) for d in table_documents[:8]]
    rows[5]["metric_direction"] = "sideways"
    judge = Engine().table_judge(as_of=AS_OF)
    parts = dd.from_pandas(pd.DataFrame(rows), npartitions=2)
    with pytest.raises(DocumentError, match=r"<table> row 5: \$\.metric_direction: expected"):
        parts.map_partitions(judge, meta=judge.meta()).compute()
