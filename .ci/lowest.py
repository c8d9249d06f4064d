"""Print the runtime dependencies pinned to their lowest supported versions (the `>=` bounds in
pyproject.toml), one requirement per line, for `make test-lowest`; the optional extras named as
arguments (`lowest.py postgres`) too."""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
extras = [requirement for extra in sys.argv[1:] for requirement in project["optional-dependencies"][extra]]
for requirement in project["dependencies"] + extras:
    name, low = re.match(r"([A-Za-z0-9_.\[\]-]+)\s*>=\s*([^,\s]+)", requirement).groups()
    print(f"{name}=={low}")
