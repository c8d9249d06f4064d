"""What the report looks like, measured in headless Chromium (issue 15, item 8): the boxes and
labels of chain diagrams and trajectory charts, wrapping in tables, and the printed page's width.
Each check would fail on the defect it names (e.g. two actors of one level drawn on top of each
other, a legend cut off, axis bounds such as 55.48 to 77.52)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import browser
import pytest
import yaml

REASON = browser.available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

A4_CONTENT_PX = round((210 - 2 * 12) / 25.4 * 96)  # A4 less the print stylesheet's side margins, in CSS px
LONG_URL = "https://intranet.northshire.example.org/delivery-unit/evidence/2026/attendance/" + "x" * 60 + ".xlsx"
LONG_UNIT = "pupils per 1,000 enrolled (three-year rolling average, state method)"

INTERSECT = "const meet = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;"
INSIDE = ("const inside = (a, b) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 "
          "&& a.y + a.height <= b.y + b.height + 0.5;")
BOX = "const box = e => { const b = e.getBBox(); return {x: b.x, y: b.y, width: b.width, height: b.height}; };"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    b = browser.Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    from stocktake.cli import cli

    out = tmp_path_factory.mktemp("demo")
    assert CliRunner().invoke(cli, ["demo", "--output", str(out)]).exit_code == 0
    return out / "report.html"


def _page(run, tmp_path: Path, name: str, document: dict, command: str = "report") -> Path:
    source = tmp_path / f"{name}.yaml"
    source.write_text(yaml.safe_dump(document, sort_keys=False))
    page = tmp_path / f"{name}.html"
    result = run(command, str(source), "--format", "html", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    return page


def _wide_chain() -> dict:
    """Four actors on one level, with names longer than a box used to hold."""
    names = ["Regional school improvement partnership for the north-east",
             "Regional school improvement partnership for the south-west",
             "Independent charter school network office", "Special education services cooperative"]
    actors = [{"id": "dept", "name": "State Department of Education", "level": 0, "role": "centre"}]
    actors += [{"id": f"r{i}", "name": n, "level": 1, "role": "intermediary"} for i, n in enumerate(names)]
    actors += [{"id": "schools", "name": "Elementary schools across the state", "level": 2, "role": "front-line",
                "count": 1200}]
    links: list[dict] = []
    for i, strength in enumerate(["G", "AR", "AG", "R"]):
        links.append({"from": "dept", "to": f"r{i}", "levers": ["funding"], "strength": strength})
        links.append({"from": f"r{i}", "to": "schools", "levers": ["support"], "strength": strength})
        links.append({"from": f"r{i}", "to": "dept", "levers": ["information"], "strength": "AG"})
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "wide", "priority": "reading", "title": "Wide chain",
            "actors": actors, "links": links}


def test_chain_boxes_never_meet_and_hold_their_whole_names(chromium, run, tmp_path, demo):
    wide = _page(run, tmp_path, "wide", _wide_chain(), command="chain")
    for page in (demo, wide):
        chromium.open(page)
        found = chromium.run(INTERSECT + INSIDE + BOX + """
            return [...document.querySelectorAll('svg.chain')].map(svg => {
              const actors = [...svg.querySelectorAll('g.actor')];
              const boxes = actors.map(g => box(g.querySelector('rect.box')));
              const labels = [...svg.querySelectorAll('text.link-label')].map(box);
              const view = svg.viewBox.baseVal;
              const frame = {x: 0, y: 0, width: view.width, height: view.height};
              const pairs = (xs) => xs.flatMap((a, i) => xs.slice(i + 1).filter(b => meet(a, b)).map(b => [a, b]));
              return {
                boxesMeeting: pairs(boxes).length,
                labelsMeeting: pairs(labels).length,
                textOutsideBox: actors.filter((g, i) => [...g.querySelectorAll('text')].some(t => !inside(box(t), boxes[i]))).length,
                cutNames: actors.filter(g => [...g.querySelectorAll('text.name tspan')].map(t => t.textContent).join(' ')
                                             !== g.querySelector('title').textContent).length,
                outsideFrame: [...boxes, ...labels].filter(b => !inside(b, frame)).length,
                actors: actors.length };
            });""")
        assert found and all(d["actors"] > 1 for d in found)
        assert [{k: v for k, v in d.items() if k != "actors"} for d in found] == [
            {"boxesMeeting": 0, "labelsMeeting": 0, "textOutsideBox": 0, "cutNames": 0, "outsideFrame": 0}] * len(found)


def _assessment() -> dict:
    """One priority in a long unit whose projection ends just under its target, with evidence at
    a long URL and actions with due dates (the range of values once gave bounds of 55.48 to 77.52)."""
    return {
        "kind": "DeliveryAssessment", "schema_version": 1, "period": "2026-H2", "date": "2026-10-31",
        "title": "Northshire education priorities",
        "evidence": [{"id": "E1", "kind": "data", "source": LONG_URL, "date": "2026-09-30",
                      "summary": f"Attendance register extract, also at {LONG_URL}"}],
        "priorities": [{
            "id": "reading", "title": "Grade 3 reading proficiency", "owner": "Director of Curriculum",
            "metric": {"name": "Pupils reading at grade level", "unit": LONG_UNIT, "direction": "increase"},
            "baseline": {"date": "2024-07-01", "value": 57.2},
            "target": {"date": "2028-07-01", "value": 75},
            "trajectory": {"interpolation": "linear", "points": [{"date": "2026-07-01", "value": 66}]},
            "actuals": [{"date": "2025-01-01", "value": 59.1}, {"date": "2025-07-01", "value": 61.4},
                        {"date": "2026-01-01", "value": 63.6}, {"date": "2026-07-01", "value": 66.2}],
            "tolerance": {"absolute": 1.0},
            "ratings": {"challenge": {"level": "H", "evidence": ["E1"]}, "planning": {"level": "AG"},
                        "capacity": {"level": "AG"}, "stage": {"level": 3}},
            "actions": [{"text": "Agree the tutoring budget", "owner": "Chief Financial Officer", "due": "2026-12-15"}],
        }],
    }


def test_trajectory_charts_have_round_ticks_dated_axes_and_labels_that_fit(chromium, run, tmp_path, demo):
    mine = _page(run, tmp_path, "assessment", _assessment())
    for page in (demo, mine):
        chromium.open(page)
        charts = chromium.run(INTERSECT + INSIDE + BOX + """
            return [...document.querySelectorAll('svg.trajectory')].map(svg => {
              const view = svg.viewBox.baseVal;
              const frame = {x: 0, y: 0, width: view.width, height: view.height};
              const labels = ['text.target-label', 'text.projected-label'].map(s => svg.querySelector(s)).filter(Boolean).map(box);
              return {
                values: [...svg.querySelectorAll('text.value-tick')].map(t => parseFloat(t.textContent)),
                dates: [...svg.querySelectorAll('text.date-tick')].map(t => t.textContent),
                textOutside: [...svg.querySelectorAll('text')].filter(t => !inside(box(t), frame)).map(t => t.textContent),
                labelsMeet: labels.length === 2 && meet(labels[0], labels[1]),
                legend: svg.querySelector('text.legend').textContent };
            });""")
        assert charts
        for chart in charts:
            values = chart["values"]
            steps = {round(b - a, 9) for a, b in itertools.pairwise(values)}
            assert len(values) >= 3 and len(steps) == 1, values          # evenly spaced, descending from the top
            step = abs(steps.pop())
            mantissa = step / 10 ** math.floor(math.log10(step))
            assert round(mantissa, 6) in (1, 2, 2.5, 5), values            # a round step
            assert all(abs(v / step - round(v / step)) < 1e-6 for v in values), values  # on round values
            assert len(chart["dates"]) >= 3, chart["dates"]
            assert chart["textOutside"] == [] and chart["labelsMeet"] is False, chart
    assert LONG_UNIT in charts[0]["legend"]


def _long_trends(tmp_path, engine_points: int = 8):
    """A report whose trends have many points: every level in turn, "not rated" among them, and
    periods as long as dates."""
    from types import SimpleNamespace

    from example_system import EXAMPLE

    from stocktake import Engine
    from stocktake.render import render_report

    levels = ["G", "R", "", "AG", "AR", "G", "", "R"]
    history = {"priority:reading": [SimpleNamespace(date=f"{2019 + i}-04-30", period=f"{2019 + i}-04-30",
                                                    level=levels[i % len(levels)], rule="r", aspect="likelihood")
                                    for i in range(engine_points)]}
    page = tmp_path / "trends.html"
    page.write_text(render_report(Engine().report([EXAMPLE / "assessment-2026-h2.yaml"], history=history), "html"))
    return page


def test_trend_charts_print_each_points_code_and_period_where_nothing_meets(chromium, tmp_path, demo):
    for page in (demo, _long_trends(tmp_path)):
        chromium.open(page)
        charts = chromium.run(INTERSECT + INSIDE + BOX + """
            return [...document.querySelectorAll('svg.trend')].map(svg => {
              const view = svg.viewBox.baseVal;
              const frame = {x: 0, y: 0, width: view.width, height: view.height};
              const labels = [...svg.querySelectorAll('text.point-label')].map(box);
              const periods = [...svg.querySelectorAll('text.period')].map(box);
              const ticks = [...svg.querySelectorAll('text.level-tick')].map(box);
              const dots = [...svg.querySelectorAll('circle')].map(box);
              const texts = [...labels, ...periods, ...ticks];
              const pairs = (xs) => xs.flatMap((a, i) => xs.slice(i + 1).filter(b => meet(a, b))).length;
              return {
                points: dots.length, labels: labels.length, periods: periods.length,
                textsMeeting: pairs(texts), labelsOnDots: labels.filter(l => dots.some(d => meet(l, d))).length,
                outside: [...texts, ...dots].filter(b => !inside(b, frame)).length,
                described: svg.querySelector('desc').textContent.split(' -> ').length };
            });""")
        assert charts
        for chart in charts:
            n = chart["points"]
            assert chart["labels"] == chart["periods"] == chart["described"] == n, chart
            assert (chart["textsMeeting"], chart["labelsOnDots"], chart["outside"]) == (0, 0, 0), chart


def test_printed_on_a4_nothing_is_wider_than_the_page_and_the_title_is_one_line(chromium, run, tmp_path, demo):
    mine = _page(run, tmp_path, "assessment", _assessment())
    chromium.devtools("Emulation.setDeviceMetricsOverride",
                      {"width": A4_CONTENT_PX, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    chromium.devtools("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for page in (demo, mine):
            chromium.open(page)
            found = chromium.run("""
                const lines = e => { const r = document.createRange(); r.selectNodeContents(e);
                  return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; };
                const h1 = document.querySelector('h1');
                const width = document.documentElement.clientWidth;
                return {
                  overflow: document.documentElement.scrollWidth - width,
                  wide: [...document.querySelectorAll('table, svg, p, li')].filter(e => e.getBoundingClientRect().right > width + 0.5)
                          .map(e => e.tagName + ' ' + e.textContent.slice(0, 40)),
                  titleLines: lines(h1),
                  wrappedDates: [...document.querySelectorAll('td.date')].filter(td => lines(td) > 1).map(td => td.textContent),
                  dates: document.querySelectorAll('td.date').length };""")
            assert found["overflow"] <= 0 and found["wide"] == [], found
            assert found["titleLines"] == 1
            assert found["dates"] > 0 and found["wrappedDates"] == []
    finally:
        chromium.devtools("Emulation.setEmulatedMedia", {"media": ""})
        chromium.devtools("Emulation.clearDeviceMetricsOverride", {})


def test_chromium_prints_the_demo_on_a4_without_a_blank_first_page(chromium, demo):
    import base64

    import pdf_pages

    if pdf_pages.available():
        pytest.skip(pdf_pages.available())
    chromium.open(demo)
    printed = chromium.devtools("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
    first = pdf_pages.pages(base64.b64decode(printed["data"]), dpi=40, last=1)[0]
    assert (round(first.mm(first.width)), round(first.mm(first.height))) == (210, 297)
    assert first.last_inked_row(above=first.height - first.px(16)) / first.height > 0.75
