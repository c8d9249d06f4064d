"""The models' field descriptions come from a generated table (not from source at start-up) and are
exactly what pydantic's attribute-docstring extraction gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from stocktake.core.field_docs import TABLE, extracted_field_docs, table_text
from stocktake.core.models import Model
from stocktake.kinds import import_every_module

_FRESH = """
import sys
from stocktake.core.field_docs import FROM_SOURCE, extracted_field_docs, table_text
from stocktake.kinds import import_every_module
from stocktake.core.models import Model
assert FROM_SOURCE and Model.model_config["use_attribute_docstrings"]
import_every_module()
sys.stdout.write(table_text(extracted_field_docs(Model)))
"""


def test_the_table_is_what_pydantic_extracts_from_source():
    fresh = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, check=True,
                           env={**os.environ, "STOCKTAKE_FIELD_DOCS_FROM_SOURCE": "1"}).stdout
    assert json.loads(fresh), "no models found"
    assert fresh == TABLE.read_text(encoding="utf-8"), "field_docs.json is stale: run python -m stocktake.kinds"


def test_every_model_gets_its_descriptions_from_the_table_without_reading_source():
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    import_every_module()
    assert Model.model_config["use_attribute_docstrings"] is False
    assert table_text(extracted_field_docs(Model)) == table_text(table)


def test_a_model_the_table_does_not_know_reads_its_docstrings_from_source():
    class Unlisted(Model):
        size: int
        """How big."""
        plain: str = ""

    assert Unlisted.model_fields["size"].description == "How big."
    assert Unlisted.model_fields["plain"].description is None
    assert Unlisted.model_json_schema()["properties"]["size"]["description"] == "How big."
