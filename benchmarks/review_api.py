"""``python -m benchmarks.review_api DIR``: score every review in DIR through the Python API.

Prints ``inner_s=<seconds>`` for the scoring alone (engine built, files read, validated, scored).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from stocktake import Engine


def main() -> None:
    paths = sorted(Path(sys.argv[1]).glob("*.json"))
    engine = Engine()
    engine.rubrics()  # load rubrics once, outside the timed loop
    start = time.perf_counter()
    for path in paths:
        engine.review(path)
    print(f"inner_s={time.perf_counter() - start:.4f} reviews={len(paths)}")


if __name__ == "__main__":
    main()
