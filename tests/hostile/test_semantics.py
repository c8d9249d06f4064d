"""Silent wrong readings of user-written values: a Unix time taken for a date, a setting whose
arithmetic overflows."""

from __future__ import annotations

from pathlib import Path

import pytest
from bounded import refused, stocktake_bounded

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REVIEW = (FIXTURES / "exhibit-1b7.yaml").read_text()
ASSESSMENT = (FIXTURES / "assessment.yaml").read_text()


def _validate(tmp_path: Path, text: str, name: str = "doc.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return stocktake_bounded("validate", str(path), cwd=tmp_path)


@pytest.mark.parametrize("written", ["1700000000", "1699920000", "1699920000.0", "0"])
def test_a_number_is_not_a_date(tmp_path, written):
    # pydantic's lax date read 1699920000 (a Unix time at midnight) as 2023-11-14.
    result = _validate(tmp_path, REVIEW.replace("date: 2026-06-30", f"date: {written}", 1))
    assert refused(result, "doc.yaml:9:7", "$.date", f"expected a date written YYYY-MM-DD, e.g. 2026-09-30, found {written}")


@pytest.mark.parametrize("written", ["'1699920000'", "'2026-06-30T00:00:00'", "2026-06-30 00:00:00", "'0'"])
def test_text_that_is_not_yyyy_mm_dd_is_not_a_date(tmp_path, written):
    result = _validate(tmp_path, REVIEW.replace("date: 2026-06-30", f"date: {written}", 1))
    assert refused(result, "doc.yaml:9:7", "$.date", "expected a date written YYYY-MM-DD, e.g. 2026-09-30")


def test_a_number_is_not_an_optional_date_either(tmp_path):
    text = REVIEW.replace("date: 2026-06-20}", "date: 1700000000}", 1)
    result = _validate(tmp_path, text)
    assert refused(result, "$.evidence[0].date", "expected a date written YYYY-MM-DD, e.g. 2026-09-30, found 1700000000")


def test_a_number_is_not_a_date_in_an_assessment(tmp_path):
    text = ASSESSMENT.replace("baseline: {date: 2025-01-01", "baseline: {date: 1735689600", 1)
    result = _validate(tmp_path, text)
    assert refused(result, "$.priorities[0].baseline.date", "expected a date written YYYY-MM-DD, e.g. 2026-09-30, found 1735689600")


def test_unquoted_and_quoted_dates_are_both_read(tmp_path):
    result = _validate(tmp_path, REVIEW.replace("date: 2026-06-30", "date: '2026-06-30'", 1))
    assert result.returncode == 0, result.stderr


def test_an_evidence_age_past_a_hundred_years_is_refused_where_it_is(tmp_path):
    # 800,000 days overflowed the date arithmetic: a traceback.
    text = REVIEW + "settings: {evidence_max_age_days: 800000}\n"
    path = tmp_path / "review.yaml"
    path.write_text(text)
    result = stocktake_bounded("review", str(path), cwd=tmp_path)
    assert refused(result, "review.yaml:", "$.settings.evidence_max_age_days", "at most 36500", "800000")


def test_an_evidence_age_of_a_hundred_years_is_scored(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text(REVIEW + "settings: {evidence_max_age_days: 36500}\n")
    result = stocktake_bounded("review", str(path), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
