"""Built-in rubrics: the files in ``rubrics/`` (shipped inside the wheel)."""

from __future__ import annotations

from stocktake import hookimpl
from stocktake.core.resources import data_dir
from stocktake.hooks.registry import Registrar


@hookimpl
def stocktake_register_rubrics(registry: Registrar) -> None:
    registry.add_rubric(data_dir("rubrics"))
