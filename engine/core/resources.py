"""Where the shipped data files (``rubrics/``, ``schemas/``, ``examples/``) are.

In an installed wheel they travel inside the package as ``stocktake/_data/<name>``; in a source
checkout they sit at the top of the repository. Both layouts resolve to the same files.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["data_dir"]

_PACKAGE = Path(__file__).resolve().parent.parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory of shipped data ``name`` (``"rubrics"``, ``"schemas"`` or ``"examples"``).

    Raises ``FileNotFoundError`` if neither the installed nor the source layout has it: that is a
    packaging bug, not a user error.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"stocktake's data directory {name!r} is missing from {_PACKAGE}")
