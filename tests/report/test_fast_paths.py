"""The report's fast paths write the bytes of the template code they replace."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from stocktake.core import figures
from stocktake.core.markup import check_rows, environment, number, printable
from stocktake.render import _text

LOOP = ('{% for c in checks %}<tr><td class="date">{{ c.date }}</td><td>{{ (c.planned | num) }}</td>'
        '<td>{{ (c.actual | num) }}</td><td>{{ (c.gap | num) }}</td><td>{{ (c.tolerance | num) }}</td>'
        '<td>{{ c.state }}</td></tr>{% endfor %}')
"""The trajectory checks' rows as the priority macro wrote them before :func:`check_rows`."""

numbers = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300) | st.sampled_from(
    [0.0, -0.0, -0.004, 0.005, 0.015, 2.675, 1e16, -1e-300])
checks = st.lists(st.builds(SimpleNamespace, date=st.dates(min_value=dt.date(1, 1, 1)), planned=numbers,
                            actual=numbers, gap=numbers, tolerance=numbers,
                            state=st.sampled_from(["above", "within", "below"])), max_size=5)


@given(checks)
def test_check_rows_are_the_template_loops_bytes(rows):
    assert str(check_rows(rows)) == environment().from_string(LOOP).render(checks=rows)


def test_check_rows_escape_a_date_or_state_that_is_not_plain():
    # Models only hold dates and the three state words; text in their place is still escaped.
    row = SimpleNamespace(date="<b>", planned=1.0, actual=2.0, gap=1.0, tolerance=0.5, state='"&"')
    assert str(check_rows([row])) == environment().from_string(LOOP).render(checks=[row])
    assert "<b>" not in str(check_rows([row]))


@given(st.text(st.characters(max_codepoint=0x2100) | st.sampled_from("\n\t\r\x00\x1b\x7f\x85\x9f\u2028")))
def test_a_page_without_controls_to_show_is_kept_as_printable_would_write_it(page):
    assert _text(page) == printable(page, keep="\n\t")


def _formatted(value: float) -> str:
    """:func:`number`'s text as it was written before it kept the text of floats it had written."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@given(st.lists(numbers | st.floats(), max_size=8))
def test_a_number_written_again_is_written_as_the_first_time(values):
    for value in values + values:  # the second time from what number() kept
        assert number(value) == _formatted(value)
        assert number(value, "%") == f"{_formatted(value)} %"


def test_equal_numbers_of_other_types_are_written_as_themselves():
    for kept, other in ((0.0, -0.0), (-0.0, 0), (1.0, True), (1e20, 10**20), (2.5, 2.5)):
        number(kept)
        assert number(other) == _formatted(other)
    assert number(10**20 + 1) == _formatted(10**20 + 1)  # an int no float equals: formatted, not looked up


def test_the_numbers_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(figures, "_FIGURES", {})
    monkeypatch.setattr(figures, "_MOST_FIGURES", 100)
    for i in range(300):
        assert number(i / 7) == _formatted(i / 7)
    assert len(figures._FIGURES) == 100
    assert number(299 / 7) == _formatted(299 / 7)


def test_check_rows_write_a_kept_date_and_a_datetime_in_its_place_as_the_loop():
    day = SimpleNamespace(date=dt.date(2026, 3, 1), planned=1.0, actual=2.0, gap=1.0, tolerance=0.5, state="above")
    moment = SimpleNamespace(**{**vars(day), "date": dt.datetime(2026, 3, 1, 12, 0)})
    rows = [day, moment, day]
    assert str(check_rows(rows)) == environment().from_string(LOOP).render(checks=rows)
