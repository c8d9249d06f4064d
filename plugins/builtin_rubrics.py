"""Built-in rubrics: the files in ``rubrics/`` (shipped inside the wheel)."""

from __future__ import annotations

from engine import hookimpl
from engine.registry import Registrar
from engine.resources import data_dir


@hookimpl
def stocktake_register_rubrics(registry: Registrar) -> None:
    registry.add_rubric(data_dir("rubrics"))
