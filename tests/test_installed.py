"""The built wheel works installed: data files inside the package, any working directory.

These run where `make test` installed the wheel into a fresh virtual environment (it sets
STOCKTAKE_TEST_INSTALLED=1); in a development checkout they are skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import stocktake
from stocktake.core.resources import data_dir

REPO = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.installed,
    pytest.mark.skipif(
        os.environ.get("STOCKTAKE_TEST_INSTALLED") != "1",
        reason="runs against the installed wheel (make test)",
    ),
]

STOCKTAKE = Path(sys.executable).parent / "stocktake"


def test_engine_is_imported_from_the_installed_package_not_the_checkout():
    package = Path(stocktake.__file__).resolve().parent
    assert "site-packages" in package.parts
    assert package != REPO / "engine"


def test_rubrics_and_schemas_ship_inside_the_package():
    package = Path(stocktake.__file__).resolve().parent
    assert data_dir("rubrics") == package / "_data" / "rubrics"
    assert data_dir("schemas") == package / "_data" / "schemas"
    shipped = sorted(p.name for p in data_dir("rubrics").iterdir())
    in_repo = sorted(p.name for p in (REPO / "rubrics").iterdir())
    assert shipped == in_repo
    assert (data_dir("schemas") / "rubric.schema.json").is_file()
    assert (package / "py.typed").is_file()


def test_the_command_works_from_any_directory(tmp_path):
    out = subprocess.run([str(STOCKTAKE), "rubrics"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "delivery-capacity-review" in out.stdout and "likelihood-of-delivery" in out.stdout
    files = [str(p) for p in sorted(data_dir("rubrics").glob("*.yaml"))]
    out = subprocess.run([str(STOCKTAKE), "validate", *files], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([sys.executable, "-m", "stocktake", "--version"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("stocktake ")


def test_a_bad_file_through_the_real_console_script(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Rubric\nschema_version: 1\nid: [\n")
    out = subprocess.run([str(STOCKTAKE), "validate", str(bad)], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: {bad}:") and len(out.stderr.splitlines()) == 1


def test_the_demo_runs_from_the_installed_package(tmp_path):
    """The example ships in the wheel: the README's first command works on a fresh install."""
    package = Path(stocktake.__file__).resolve().parent
    assert data_dir("examples") == package / "_data" / "examples"
    out = subprocess.run([str(STOCKTAKE), "demo"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = tmp_path / "stocktake-demo" / "report.html"
    assert report.is_file() and report.stat().st_size > 50_000
    shipped = sorted(p.relative_to(data_dir("examples")).as_posix() for p in data_dir("examples").rglob("*") if p.is_file())
    in_repo = sorted(p.relative_to(REPO / "examples").as_posix() for p in (REPO / "examples").rglob("*") if p.is_file())
    assert shipped == in_repo


def test_nothing_generic_is_installed_at_the_top_of_site_packages():
    site = Path(stocktake.__file__).resolve().parent.parent
    assert not (site / "engine").exists() and not (site / "plugins").exists()
    assert (site / "stocktake" / "plugins" / "aggregation.py").is_file()


def test_an_application_with_its_own_engine_and_plugins_packages_does_not_break_stocktake(tmp_path):
    """Embedding tools often have a `plugins` (or `engine`) package of their own on sys.path."""
    for decoy in ("engine", "plugins"):
        (tmp_path / decoy).mkdir()
        (tmp_path / decoy / "__init__.py").write_text(f"raise ImportError('the application\\'s own {decoy}')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([str(STOCKTAKE), "rubrics"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "delivery-capacity-review" in out.stdout
    script = ("from stocktake import Engine\n"
              "engine = Engine()\n"
              "print(sorted(p.name for p in engine.plugins()))\n"
              "print(sorted(e.rubric.id for e in engine.rubrics()))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "builtin-rules" in out.stdout and "likelihood-of-delivery" in out.stdout
