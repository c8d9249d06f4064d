"""``stocktake demo``: the bundled example system (Northshire, fictional) end to end.

The example's documents are copied into ``DIR/example`` (so they can be read, edited and reported
on again), then reported on from there: a capacity review by four reviewers against its baseline
two years earlier, a likelihood assessment of three priorities (each classified by severity, with
its milestones, actions and commentary, so the report opens with what needs attention) with the
assessment six months before it, and a delivery chain for each.

Everything is recorded in a history ledger, ``DIR/ledger.sqlite``, as the commands would record
it: first the earlier review and the earlier assessment (each judged alone), then the report is
built with the ledger as its history (so it shows the trends) and records the parts it judged (the
latest review with its baseline, the latest assessment with its previous judgments, the chains).
Recording is idempotent, so running the demo again in one directory adds nothing.
Each file is written whole or not at all. The demo replaces only what it wrote itself: it keeps a
manifest (``DIR/.stocktake-demo.json``, the sha256 of each file it wrote), and a file at one of its
paths that is neither what it wrote last time nor what it would write now (an example document the
user edited, a report.html of someone else's) stops the run before anything is written. The
manifest names what the demo is about to write before it writes it (beside what was there), so a
run interrupted half-way never locks the next one out. The ledger is the demo's own file too: one the
manifest does not list is refused; one it lists is added to, never replaced (whatever it holds now:
its runs are the record, not a file to restore).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from stocktake.core.errors import UsageError

if TYPE_CHECKING:
    from stocktake.api import Engine
    from stocktake.report.model import DeliveryReport

__all__ = ["EXAMPLE", "DemoRun", "run_demo"]

EXAMPLE = "northshire"
MANIFEST = ".stocktake-demo.json"
"""The demo's record, in its directory, of the files it wrote (relative path -> sha256)."""
LEDGER = "ledger.sqlite"
"""The demo's history ledger, in its directory."""
LEDGER_MARK = "ledger: added to, never replaced"
"""The manifest's entry for the ledger: not a digest, as the ledger's bytes carry the time of each
recording (and the demo never replaces it, so there is nothing to compare)."""


@dataclass(frozen=True)
class DemoRun:
    """What the demo wrote, and the report it built."""

    report: DeliveryReport
    example: Path
    """Where the example's documents were copied."""
    written: list[Path]
    """The report and result files written."""
    ledger: Path | None = None
    """The history ledger the runs were recorded in."""


def example_files() -> dict[str, bytes]:
    """The bundled example's files by path relative to its directory, in a stable order."""
    from stocktake.core.resources import data_dir

    root = data_dir("examples") / EXAMPLE
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".csv", ".md")}


def run_demo(engine: Engine, directory: str | Path) -> DemoRun:
    """Copy the example into ``directory``/example, report on it and write the report (HTML,
    Markdown, JSON) and each result's JSON into ``directory``.

    A file is replaced only if the demo wrote it (its manifest says so) or it already holds what
    would be written; otherwise :class:`UsageError` names the files and nothing is written. Files
    are written as :func:`stocktake.core.output.open_output` writes (through symbolic links,
    keeping permissions); the copies are the demo's own, so files read before are forgotten."""
    from stocktake.core.files import forget_inputs
    from stocktake.core.output import write_output
    from stocktake.render import dump_model, render_report

    forget_inputs()
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot write the demo into {str(out)!r}: it is not a directory")
    ours = _manifest(out)
    sources = example_files()
    # Before anything is written: the copies, and every output already there (only the manifest
    # can vouch for those, as what they would hold is known only once the report is built).
    _refuse_edited(out, {f"example/{name}": data for name, data in sources.items()}, ours)
    _refuse_edited(out, dict.fromkeys(_outputs_there(out), b""), ours, equal_to_new=False)
    ledger = out / LEDGER
    if (ledger.exists() or ledger.is_symlink()) and LEDGER not in ours:
        raise UsageError(f"the demo would record into {str(ledger)!r}, which it did not create; nothing was written. "
                         "Give another directory (--output DIR), or move that file away")
    example = out / "example"
    for name, data in sources.items():
        path = example / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            write_output(data, path)
    ours.update({f"example/{name}": _digest(data) for name, data in sources.items()})
    _write_manifest(out, ours)  # the copies are the demo's from here, whatever happens next
    documents = [example / name for name in sources if name.endswith(".yaml")]
    report = _report_recorded(engine, documents, ledger)
    ours[LEDGER] = LEDGER_MARK
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
    written = _write_outputs(out, {name: text.encode("utf-8") for name, text in texts.items()}, ours)
    return DemoRun(report=report, example=example, written=written, ledger=ledger)


def _write_outputs(out: Path, contents: dict[str, bytes], ours: dict[str, str]) -> list[Path]:
    """Write ``contents`` (relative name -> bytes) into ``out``, refusing first if one would replace
    a file the demo did not write; the manifest vouches for each file before it is written."""
    from stocktake.core.output import write_output

    _refuse_edited(out, contents, ours)
    for name, data in contents.items():  # either the file before or the file after is vouched for
        ours[name] = " ".join(dict.fromkeys([*ours.get(name, "").split(), _digest(data)]))
    _write_manifest(out, ours)
    written = []
    for name, data in contents.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_output(data, target)
        ours[name] = _digest(data)
        written.append(target)
    _write_manifest(out, ours)
    return written


def _report_recorded(engine: Engine, documents: list[Path], ledger: Path) -> DeliveryReport:
    """Record the earlier reviews and assessments (all but each system's latest review and the
    latest assessment, oldest first) in ``ledger``, then build the report with the ledger as its
    history and record the parts it judged."""
    from stocktake.ledger import open_ledger
    from stocktake.ledger.history import LedgerHistory
    from stocktake.ledger.recording import default_actor, record_result

    actor = default_actor()
    loaded = [(path, engine.load(path, kinds=("CapacityReview", "DeliveryAssessment", "DeliveryChain")))
              for path in documents]
    dated = sorted(((doc.model.date, str(path), path, doc) for path, doc in loaded if doc.kind != "DeliveryChain"),
                   key=lambda item: item[:2])
    latest = {}
    for _, _, path, doc in dated:  # the last of each key stays: each system's latest review, the latest assessment
        latest[doc.model.system if doc.kind == "CapacityReview" else doc.kind] = path
    for _, _, path, doc in dated:
        if path in latest.values():
            continue
        if doc.kind == "CapacityReview":
            record_result(str(ledger), engine, "review", {"path": str(path)}, engine.review(doc), actor)
        else:
            record_result(str(ledger), engine, "judge", {"path": str(path)}, engine.judge(doc), actor)
    with open_ledger(str(ledger)) as opened:
        report = engine.report(documents, history=LedgerHistory(opened))
    record_result(str(ledger), engine, "report", {"paths": json.dumps([str(p) for p in documents])}, report, actor)
    return report


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(out: Path) -> dict[str, str]:
    """The files the demo wrote into ``out`` before, by relative path: the sha256 of each (or of
    each it may hold, space-separated, while a run writes it); none if it never ran there, or if
    the manifest is not one the demo could have written."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return {}
    return data


def _write_manifest(out: Path, ours: dict[str, str]) -> None:
    from stocktake.core.output import write_output

    out.mkdir(parents=True, exist_ok=True)
    write_output(json.dumps(dict(sorted(ours.items())), indent=2) + "\n", out / MANIFEST)


def _outputs_there(out: Path) -> list[str]:
    """The files in ``out`` at names the demo writes its outputs to."""
    names = [n for n in ("report.html", "report.md", "report.json") if (out / n).exists()]
    if (out / "results").is_dir():
        names += sorted(f"results/{p.name}" for p in (out / "results").iterdir()
                        if p.name == "assessment.json" or p.name.startswith(("capacity-review", "chain-")))
    return names


def _refuse_edited(out: Path, contents: dict[str, bytes], ours: dict[str, str], *, equal_to_new: bool = True) -> None:
    """Refuse if a file at one of ``contents``' paths holds neither what the demo wrote there last
    (``ours``) nor (with ``equal_to_new``) what it would write now."""
    edited = []
    for name, data in contents.items():
        path = out / name
        if not path.is_file() and not path.is_symlink():
            continue
        try:
            found = _digest(path.read_bytes())
        except OSError:
            found = ""
        if found not in ours.get(name, "").split() and not (equal_to_new and found == _digest(data)):
            edited.append(name)
    if edited:
        shown = ", ".join(edited[:5]) + (f" and {len(edited) - 5} more" if len(edited) > 5 else "")
        raise UsageError(
            f"the demo would replace files in {str(out)!r} that it did not write or that were edited since: "
            f"{shown}; nothing was written. Give another directory (--output DIR), or move those files away "
            "(to report on edited example documents, run stocktake report on them)")
