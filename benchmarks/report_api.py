"""``python -m benchmarks.report_api ASSESSMENT``: build and render a delivery report in-process.

Prints ``build_s`` (load, judge, join) and ``inner_s`` (rendering the built report to HTML), each
after a warm-up run, so the two costs can be told apart from the CLI's end-to-end time.
"""

from __future__ import annotations

import sys
import time

from stocktake import Engine
from stocktake.render import render_report


def main() -> None:
    engine = Engine()
    report = engine.report([sys.argv[1]])
    render_report(report, "html")  # warm-up: templates compiled, modules imported
    start = time.perf_counter()
    report = engine.report([sys.argv[1]])
    built = time.perf_counter() - start
    start = time.perf_counter()
    html = render_report(report, "html")
    rendered = time.perf_counter() - start
    print(f"build_s={built:.4f} inner_s={rendered:.4f} html_bytes={len(html)}")


if __name__ == "__main__":
    main()
