"""The HTML reports in a real headless Chromium: no console errors, no request leaving the file,
the charts, heatmap and diagrams present, a screenshot saved under the test's temporary directory."""

from __future__ import annotations

from pathlib import Path

import browser
import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
REASON = browser.available()

pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    b = browser.Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


REPORTS = {
    "review": (["review", str(FIXTURES / "exhibit-1b7.yaml"), "--format", "html"],
               "return [document.querySelectorAll('table.heatmap td .level').length,"
               " document.querySelectorAll('details').length]"),
    "judge": (["judge", str(FIXTURES / "assessment.yaml"), "--format", "html"],
              "return [document.querySelectorAll('svg.trajectory').length,"
              " document.querySelectorAll('table.league tbody tr').length]"),
    "chain": (["chain", str(FIXTURES / "chain.yaml"), "--format", "html"],
              "return [document.querySelectorAll('svg.chain rect').length,"
              " document.querySelectorAll('svg.chain line').length]"),
}
EXPECTED = {
    "review": [20, 20],   # 15 component cells + 5 stage cells with a level badge; 20 trails
    "judge": [3, 3],      # a trajectory chart and a league row per priority
    "chain": [17, 24],    # 15 actor boxes + an inner border for each of the 2 SPOFs that matter; 24 links
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_renders_cleanly_and_offline(chromium, run, tmp_path, name):
    args, probe = REPORTS[name]
    page = tmp_path / f"{name}.html"
    result = run(*args, "-o", str(page))
    assert result.exit_code == 0, result.stderr
    chromium.log("browser")                      # drop messages from earlier pages
    chromium.log("performance")
    chromium.open(page)
    assert chromium.run("return document.readyState") == "complete"
    errors = [e for e in chromium.log("browser") if e.get("level") == "SEVERE"]
    assert errors == []
    # Chromium may load its own chrome:// pages; what must never happen is a network request.
    outside = [u for u in chromium.requests() if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    assert outside == []
    assert chromium.run(probe) == EXPECTED[name]
    assert "<script" not in page.read_text()     # readable without JavaScript: there is none
    shot = tmp_path / f"{name}.png"
    chromium.screenshot(shot)
    assert shot.stat().st_size > 10_000


def test_the_network_check_sees_a_request_leaving_the_file(chromium, tmp_path):
    """Control: a page that fetches something (from a closed loopback port) is caught."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/pixel.png" alt="x"></body></html>')
    chromium.log("performance")
    chromium.open(page)
    requests = [u for u in chromium.requests() if u.startswith("http")]
    assert requests == ["http://127.0.0.1:9/pixel.png"]


def test_the_demo_report_in_a_browser(chromium, run, tmp_path):
    """Issue 6's check: the demo's report opens cleanly offline, with its charts, heatmap and
    diagrams, readable without script, and its evidence trails visible when printed."""
    out = tmp_path / "demo"
    assert run("demo", "--output", str(out)).exit_code == 0
    page = out / "report.html"
    chromium.log("browser")
    chromium.log("performance")
    chromium.open(page)
    assert chromium.run("return document.readyState") == "complete"
    assert [e for e in chromium.log("browser") if e.get("level") == "SEVERE"] == []
    outside = [u for u in chromium.requests() if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    assert outside == []
    found = chromium.run("""return {
        charts: document.querySelectorAll('svg.trajectory').length,
        chartsDrawn: [...document.querySelectorAll('svg.trajectory')].filter(s => s.getBoundingClientRect().width > 300).length,
        heatmapBadges: document.querySelectorAll('table.heatmap td .level').length,
        diagrams: document.querySelectorAll('svg.chain').length,
        summaryRows: document.querySelectorAll('table.summary tbody tr').length,
        trailHidden: !document.querySelector('#priority-reading details ol').checkVisibility(),
        scripts: document.scripts.length,
    }""")
    assert found == {"charts": 3, "chartsDrawn": 3, "heatmapBadges": 20, "diagrams": 3, "summaryRows": 3,
                     "trailHidden": True, "scripts": 0}
    # Contrast: every level badge's text against its background is at least 4.5:1 (WCAG AA).
    ratios = chromium.run("""
        const lum = c => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(v => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126*r + 0.7152*g + 0.0722*b; };
        return [...document.querySelectorAll('.level')].map(e => { const s = getComputedStyle(e);
            const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
            return (a + 0.05) / (b + 0.05); });""")
    assert ratios and min(ratios) >= 4.5, min(ratios)
    shot = tmp_path / "demo-report.png"
    chromium.screenshot(shot)
    assert shot.stat().st_size > 10_000
    # Printed, the evidence trails are part of the page and the navigation is not.
    chromium.devtools("Emulation.setEmulatedMedia", {"media": "print"})
    printed = chromium.run("""return {
        trail: document.querySelector('#priority-reading details ol').checkVisibility(),
        nav: getComputedStyle(document.querySelector('nav')).display }""")
    chromium.devtools("Emulation.setEmulatedMedia", {"media": ""})
    assert printed == {"trail": True, "nav": "none"}
    pdf = chromium.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    (tmp_path / "demo-report.pdf").write_bytes(pdf)
