"""Documents from tests/cases/*.yaml: each loads, or fails at exactly the stated place."""

from pathlib import Path

import pytest

from stocktake.testing import load_cases, make_engine

CASES = load_cases(Path(__file__).parent / "cases" / "*.yaml")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, tmp_path):
    case.check(make_engine(), tmp_path)
