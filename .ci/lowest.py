"""Print the runtime dependencies pinned to their lowest supported versions (the `>=` bounds in
pyproject.toml), one requirement per line, for `make test-lowest`."""

import re
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
for requirement in project["dependencies"]:
    name, low = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([^,\s]+)", requirement).groups()
    print(f"{name}=={low}")
