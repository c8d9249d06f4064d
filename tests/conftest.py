"""Shared fixtures: a pinned environment and throw-away plugin distributions."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from stocktake.cli import cli

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the benchmarks' generators, which tests reuse (pytest as a command adds no repository)
    sys.path.append(str(REPO))


@pytest.fixture(autouse=True)
def _pinned_environment(monkeypatch):
    """No user settings leak into tests."""
    for name in ("STOCKTAKE_DISABLE_PLUGINS", "STOCKTAKE_RUBRIC_PATH", "STOCKTAKE_LEDGER", "STOCKTAKE_ACTOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")


@pytest.fixture
def fake_dist(tmp_path, monkeypatch) -> Callable[..., Path]:
    """Install a throw-away distribution with ``stocktake`` entry points onto ``sys.path``.

    ``fake_dist("acme-rubrics", "1.2.3", modules={"acme": "source"}, entry_points={"acme": "acme"})``
    """
    created: list[str] = []

    def make(name: str, version: str, *, modules: dict[str, str], entry_points: dict[str, str]) -> Path:
        site = tmp_path / f"site-{name}"
        site.mkdir()
        for module, source in modules.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            created.append(module)
            monkeypatch.delitem(sys.modules, module, raising=False)
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )
        lines = "".join(f"{key} = {value}\n" for key, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[stocktake]\n{lines}", encoding="utf-8")
        monkeypatch.syspath_prepend(str(site))
        return site

    yield make
    for module in created:
        sys.modules.pop(module, None)


@pytest.fixture
def run() -> Callable[..., object]:
    """Run the ``stocktake`` command in-process; returns click's Result (stdout and stderr apart)."""
    def invoke(*args: str, env: dict[str, str] | None = None):
        runner = CliRunner()
        return runner.invoke(cli, list(args), env=env, catch_exceptions=True)

    return invoke
