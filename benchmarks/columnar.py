"""``python -m benchmarks.columnar N [--dask]``: judge N synthetic priorities (20 trajectory points
each) as one pandas DataFrame with :meth:`stocktake.api.Engine.table_judge`, in this process; with
``--dask``, also on a 2-worker Dask ``LocalCluster`` (processes, one thread each) in 8 partitions.

Prints ``inner_s=`` (the table judged: rows validated, judged, judgments built; making the frame
excluded) and, with ``--dask``, ``dask_s=`` (the same frame through ``map_partitions``, cluster
start-up excluded). :func:`flat` is the priority table's layout (``stocktake.likelihood.columnar``),
which the tests reuse.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from benchmarks.generate import priority

_GROUPS = {"metric": "metric_", "baseline": "baseline_", "target": "target_", "tolerance": "tolerance_",
           "previous": "previous_", "agreed": "agreed_"}
_LISTS = ("actuals", "leading_indicators", "actions", "milestones")


def flat(doc: dict[str, Any], *, lists: str = "json") -> dict[str, Any]:
    """A ``Priority`` document as a row of the priority table; structured cells as JSON text
    (``lists="json"``) or as Python lists and dicts (``"native"``: what an Arrow ``list<struct>`` holds)."""
    def cell(value: Any) -> Any:
        return json.dumps(value) if lists == "json" else value

    row: dict[str, Any] = {}
    for key, value in doc.items():
        if key in _GROUPS:
            for inner, v in value.items():
                name = "agreed_by" if (key, inner) == ("agreed", "agreed_by") else _GROUPS[key] + inner
                row[name] = cell(v) if name == "agreed_by" else v
        elif key == "trajectory":
            if "interpolation" in value:
                row["interpolation"] = value["interpolation"]
            row["trajectory"] = cell(value.get("points", []))
        elif key == "ratings":
            for name, rating in value.items():
                rating = rating if isinstance(rating, dict) else {"level": rating}
                if lists == "native":  # one struct type per column (an Arrow column has one type)
                    row[name] = {**rating, "level": str(rating["level"])} if "level" in rating else rating
                else:
                    row[name] = rating["level"] if set(rating) == {"level"} else cell(rating)
        elif key in _LISTS:
            row[key] = cell(value)
        else:
            row[key] = value
    return row


def frame(count: int) -> Any:
    import pandas as pd

    return pd.DataFrame([flat(priority(seed)) for seed in range(count)])


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from stocktake import Engine

    table = frame(count)
    judge = Engine().table_judge(as_of="2026-01-01")
    start = time.perf_counter()
    judged = judge(table)
    print(f"inner_s={time.perf_counter() - start:.4f} priorities={count} rows={len(judged)}")
    if "--dask" in sys.argv:
        import dask.dataframe as dd
        from dask.distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster):
            parts = dd.from_pandas(table, npartitions=8)
            start = time.perf_counter()
            found = parts.map_partitions(judge, meta=judge.meta()).compute()
            print(f"dask_s={time.perf_counter() - start:.4f} rows={len(found)}")


if __name__ == "__main__":
    main()
