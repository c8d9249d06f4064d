"""A review imports only what scoring and writing it need (start-up is most of its time)."""

from __future__ import annotations

import subprocess
import sys

from stocktake.core.resources import data_dir

REVIEW = data_dir("examples") / "northshire" / "capacity-review-2026.yaml"


def test_review_does_not_import_traceback(tmp_path):
    """``traceback`` (~10 ms with linecache and textwrap) is imported only for ``--debug``."""
    code = (
        "import sys\nfrom stocktake.cli import main\n"
        f"try:\n    main(['review', {str(REVIEW)!r}, '-o', {str(tmp_path / 'out.json')!r}])\n"
        "except SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "print('LOADED=' + ','.join(m for m in ('traceback', 'networkx', 'jinja2') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (tmp_path / "out.json").stat().st_size > 0
    assert proc.stdout.splitlines()[-1] == "LOADED="


def test_debug_still_prints_the_traceback_of_a_user_error(tmp_path):
    missing = tmp_path / "missing.yaml"
    proc = subprocess.run([sys.executable, "-m", "stocktake", "--debug", "review", str(missing)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback (most recent call last)" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("error: ")
