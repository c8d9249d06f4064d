"""The HTML row filters (``input_rows``, ``list_items``) write exactly the bytes of the template
loops they replace, for any text: markup characters, URLs, control characters, Markup."""

from __future__ import annotations

import datetime as dt
import enum
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from stocktake.core.markup import environment, html

LOOPS = {
    "evidence": '{% for i in inputs %}<tr><td>{{ i.name }}</td><td>{{ i.value or "no data" }}</td>'
                '<td>{{ i.evidence | join(", ") }}</td><td>{{ i.note }}</td></tr>{% endfor %}',
    "plain": '{% for i in inputs %}<tr><td>{{ i.name }}</td><td>{{ i.value or "no data" }}</td>'
             '<td>{{ i.note }}</td></tr>{% endfor %}',
    "steps": "{% for step in steps %}<li>{{ step }}</li>{% endfor %}",
}
FILTERS = {"evidence": "{{ inputs | input_rows }}", "plain": "{{ inputs | input_rows(evidence=false) }}",
           "steps": "{{ steps | list_items }}"}


class Colour(enum.Enum):
    RED = "r<d"


HOSTILE = ["", "plain", "<b>&amp;'\"</b>", "see https://example.org/a?b=1&c=<2>", "ftp://x y file://z",
           "a\x1b[31mb\x00", "  spaced  \n line ", Markup("<em>kept</em>"), "&lt;", "1. list", "://"]
text = st.one_of(st.sampled_from(HOSTILE), st.text(alphabet=st.sampled_from(list("<>&'\"a:/ .\n\x1bhtps")), max_size=30),
                 st.text(max_size=20))
values = st.one_of(text, st.none(), st.integers(), st.floats(allow_nan=False), st.just(dt.date(2026, 1, 2)),
                   st.just(Colour.RED), st.just(Markup("<i>x</i>")))
inputs = st.lists(st.builds(SimpleNamespace, name=text, value=values, note=values,
                            evidence=st.lists(st.one_of(text, st.just(Markup("<a>id</a>"))), max_size=3)), max_size=4)


def render(source: str, **context: object) -> str:
    return environment().from_string(source).render(**context)


@settings(max_examples=300, deadline=None)
@given(inputs)
def test_input_rows_are_the_loops_bytes(rows: list[SimpleNamespace]) -> None:
    for kind in ("evidence", "plain"):
        assert render(FILTERS[kind], inputs=rows) == render(LOOPS[kind], inputs=rows)


@settings(max_examples=300, deadline=None)
@given(st.lists(values, max_size=5))
def test_list_items_are_the_loops_bytes(steps: list[object]) -> None:
    assert render(FILTERS["steps"], steps=steps) == render(LOOPS["steps"], steps=steps)


@settings(max_examples=500, deadline=None)
@given(values)
def test_html_is_what_a_template_prints(value: object) -> None:
    assert html(value) == render("{{ v }}", v=value)


def test_hostile_text_is_escaped_and_urls_marked() -> None:
    assert html("<b>&'\"") == "&lt;b&gt;&amp;&#39;&#34;"
    assert html("go https://e.org/?a=1&b=2 now") == 'go <span class="url">https://e.org/?a=1&amp;b=2</span> now'
    assert html(Markup("<em>x</em>")) == "<em>x</em>"
    assert html(None) == "None"
