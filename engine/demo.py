"""``stocktake demo``: the bundled example system (Northshire, fictional) end to end.

The example's documents are copied into ``DIR/example`` (so they can be read, edited and reported
on again), then reported on from there: a capacity review by four reviewers against its baseline
two years earlier, a likelihood assessment of three priorities (each classified by severity, with
its milestones, actions and commentary, so the report opens with what needs attention), and a
delivery chain for each.
Every output is rendered before the first file is written, and each file is written whole or not
at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from stocktake.core.errors import UsageError

if TYPE_CHECKING:
    from stocktake.api import Engine
    from stocktake.report.model import DeliveryReport

__all__ = ["EXAMPLE", "DemoRun", "run_demo"]

EXAMPLE = "northshire"


@dataclass(frozen=True)
class DemoRun:
    """What the demo wrote, and the report it built."""

    report: DeliveryReport
    example: Path
    """Where the example's documents were copied."""
    written: list[Path]
    """The report and result files written."""


def example_files() -> dict[str, bytes]:
    """The bundled example's files by path relative to its directory, in a stable order."""
    from stocktake.core.resources import data_dir

    root = data_dir("examples") / EXAMPLE
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".csv", ".md")}


def run_demo(engine: Engine, directory: str | Path) -> DemoRun:
    """Copy the example into ``directory``/example, report on it and write the report (HTML,
    Markdown, JSON) and each result's JSON into ``directory``. Existing files of the same names
    are replaced (written as :func:`stocktake.core.output.open_output` writes: through symbolic
    links, keeping permissions); the copies are the demo's own, so files read before are forgotten."""
    from stocktake.core.files import forget_inputs
    from stocktake.core.output import open_output, write_output
    from stocktake.render import dump_model, render_report

    forget_inputs()
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot write the demo into {str(out)!r}: it is not a directory")
    sources = example_files()
    example = out / "example"
    copies = [example / name for name in sources]
    for path, data in zip(copies, sources.values()):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            with open_output(path, binary=True) as handle:
                handle.write(data)
    documents = [p for p in copies if p.suffix == ".yaml"]
    report = engine.report(documents)
    texts: dict[str, str] = {
        "report.html": render_report(report, "html"),
        "report.md": render_report(report, "md"),
        "report.json": render_report(report, "json"),
    }
    if report.assessment is not None:
        texts["results/assessment.json"] = dump_model(report.assessment)
    for i, review in enumerate(report.reviews, 1):
        name = "capacity-review.json" if i == 1 else f"capacity-review-{i}.json"
        texts[f"results/{name}"] = dump_model(review)
    for chain in report.chains:
        texts[f"results/chain-{chain.result.chain['id']}.json"] = dump_model(chain.result)
    written = []
    for name, text in texts.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_output(text, target)
        written.append(target)
    return DemoRun(report=report, example=example, written=written)

