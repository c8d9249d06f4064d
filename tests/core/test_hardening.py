"""Hardening across commands: schemas stay local, no code from data, plugin faults in the report,
interrupted writes, and byte-identical output across processes and hash seeds."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from example_system import DOCUMENTS, EXAMPLE, REPO, poison

from stocktake.core.markup import md
from stocktake.core.schemas import load_schema, local_validator
from stocktake.kinds import KINDS
from stocktake.ledger import open_ledger

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


# -- schemas stay local ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_published_schemas_refer_only_inside_themselves(kind):
    refs = list(_refs(load_schema(KINDS[kind])))
    assert all(ref.startswith("#/") for ref in refs), refs


@pytest.mark.parametrize("ref", ["http://127.0.0.1:9/schema.json", "https://example.invalid/s.json",
                                 "file:///etc/passwd", "/etc/passwd", "../../etc/passwd", "other.schema.json#/x"])
def test_a_reference_outside_the_schema_is_an_error_and_fetches_nothing(ref, monkeypatch):
    from referencing.exceptions import Unresolvable

    touched: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: touched.append(address))
    real_open = open
    monkeypatch.setattr("builtins.open", lambda file, *a, **k: touched.append(file) or real_open(file, *a, **k))
    validator = local_validator({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                 "properties": {"x": {"$ref": ref}}})
    with pytest.raises(Unresolvable):
        list(validator.iter_errors({"x": 1}))
    assert touched == []


# -- no code from data -----------------------------------------------------------------------------

PAYLOADS = ["{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "${7*7}", "{0.__class__.__mro__}",
            "%(secret)s", "__import__('os').system('touch /tmp/stocktake-pwned')", "#{7*7}"]


PROSE = frozenset({"system", "title", "name", "rationale", "reason", "source", "summary", "text", "owner", "note",
                   "because", "description"})


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_that_looks_like_code_or_a_template_stays_text(payload, tmp_path, monkeypatch, run):
    """Rubric text, rule explanations and every free-text field reach the outputs verbatim:
    nothing is evaluated, formatted or compiled as a template."""
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    monkeypatch.chdir(root)
    for name in DOCUMENTS:
        Path(name).write_text(yaml.safe_dump(poison(yaml.safe_load(Path(name).read_text()), payload, PROSE)))
    rules = yaml.safe_load((REPO / "plugins" / "rulesets" / "likelihood-default.yaml").read_text())
    prose = frozenset({"title", "because", "description"})
    Path("rules.yaml").write_text(yaml.safe_dump(poison(rules, payload, prose)))
    rubric = yaml.safe_load((REPO / "rubrics" / "likelihood-of-delivery.yaml").read_text())
    rubric = {**poison(rubric, payload, prose), "id": "poisoned"}
    Path("rubrics").mkdir()
    Path("rubrics/poisoned.yaml").write_text(yaml.safe_dump(rubric))
    outputs = [  # (output, the payload as it shows it: HTML, or Markdown text for rubrics show)
        (run("report", *DOCUMENTS, "--rules", "rules.yaml", "--format", "html"), payload),
        (run("judge", "assessment-2026-h2.yaml", "--rules", "rules.yaml", "--format", "html"), payload),
        (run("--rubric-path", "rubrics", "rubrics", "show", "poisoned"), md(payload)),
        (run("chain", "chains/reading.yaml", "--format", "html"), payload),
    ]
    for result, expected in outputs:
        assert result.exit_code == 0, result.stderr
        shown = result.stdout.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&").replace("&lt;", "<")
        assert shown.count(expected) >= 3, result.stdout[:500]
    assert not Path("/tmp/stocktake-pwned").exists()


# -- plugin faults inside the report ---------------------------------------------------------------

BROKEN_DETECTOR = '''
from stocktake import hookimpl

class WrongType:
    id = "wrong-type"
    version = "0.2"
    title = "Returns a dict"
    description = "Returns the wrong type."
    def detect(self, chain):
        return {"weak": "everything"}

@hookimpl
def stocktake_register_chain_detectors(registry):
    registry.add_detector(WrongType())
'''


def test_a_detector_returning_the_wrong_type_fails_alone_and_the_report_is_written(fake_dist, run, tmp_path,
                                                                                   monkeypatch):
    fake_dist("wrong-detector", "0.2.0", modules={"wrong_detector": BROKEN_DETECTOR},
              entry_points={"wrongdet": "wrong_detector"})
    shutil.copytree(EXAMPLE, tmp_path / "example")
    monkeypatch.chdir(tmp_path / "example")
    result = run("report", *DOCUMENTS, "-o", "report.html")
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 3                                     # one per chain
    assert all("plugin 'wrongdet' (distribution wrong-detector 0.2.0)" in line and
               "returned dict, not a list of ChainFinding" in line for line in lines)
    html = Path("report.html").read_text()
    assert html.count("Detector failures") == 3 and html.rstrip().endswith("</html>")
    assert html.count('<section class="chain"') == 3 and html.count('<svg') == 6   # 3 charts, 3 chains drawn


BAD_RULES = '''
from stocktake import hookimpl

class NoDecision:
    id = "no-decision"
    version = "1.0"
    title = "Returns None"
    description = "Returns the wrong type for one priority."
    inputs = ("challenge",)
    output_scale = "delivery"
    def decide(self, values):
        from stocktake.likelihood.decision import Decision
        if values["challenge"] == "VH":
            return None
        return Decision("AG", ("fine",), because="Fine.")

@hookimpl
def stocktake_register_rule_sets(registry):
    registry.add_rule_set(NoDecision())
'''


def test_a_rule_set_returning_the_wrong_type_fails_for_that_priority_only(fake_dist, run, tmp_path):
    fake_dist("no-decision", "1.0.0", modules={"no_decision": BAD_RULES}, entry_points={"nodecision": "no_decision"})
    out = tmp_path / "r.json"
    result = run("judge", str(FIXTURES / "assessment.yaml"), "--rules", "no-decision", "-o", str(out))
    assert result.exit_code == 3
    assert "plugin 'nodecision' (distribution no-decision 1.0.0)" in result.stderr
    data = json.loads(out.read_text())
    computed = {p["id"]: p["judgment"]["computed"] for p in data["priorities"]}
    assert computed == {"reading": "AG", "attendance": None, "graduation": "AG"}


# -- interrupted writes ------------------------------------------------------------------------------


def _big_assessment(path: Path, copies: int) -> None:
    data = yaml.safe_load((FIXTURES / "assessment.yaml").read_text())
    template = data["priorities"][0]
    data["priorities"] = [{**template, "id": f"p{i}", "title": f"Priority {i}"} for i in range(copies)]
    path.write_text(json.dumps(data, default=str))


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, run, monkeypatch):
    """In-process: Ctrl-C arrives after the new text is in the temporary file, before the rename."""
    old = tmp_path / "report.html"
    old.write_text("old report")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    result = run("report", str(FIXTURES / "chain.yaml"), "-o", str(old))
    assert result.exit_code == 130
    assert result.stderr.strip() == "error: interrupted; no file was left half-written"
    assert old.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_ctrl_c_on_a_real_process_leaves_the_old_file_or_the_whole_new_one(tmp_path):
    source = tmp_path / "many.json"
    _big_assessment(source, 600)
    target = tmp_path / "report.html"
    caught_writing = 0
    for _ in range(3):
        target.write_text("old report")
        proc = subprocess.Popen([sys.executable, "-m", "stocktake", "report", str(source), "-o", str(target)],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
                caught_writing += 1             # the new report is being written now
                break
            time.sleep(0.0005)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        text = target.read_text()
        assert text == "old report" or (proc.returncode == 0 and text.rstrip().endswith("</html>")), stderr
        if proc.returncode != 0:
            assert proc.returncode == 130 and "Traceback" not in stderr, stderr
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert caught_writing, "the signal never arrived while the report was being written"


# -- reproducible ------------------------------------------------------------------------------------


def test_the_report_is_byte_identical_across_processes_and_hash_seeds(tmp_path):
    outputs = {}
    for seed in ("0", "1", "12345"):
        (tmp_path / seed).mkdir()
        subprocess.run([sys.executable, "-m", "stocktake", "demo", "--output", "demo"], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, cwd=tmp_path / seed)
        out = tmp_path / seed / "demo"
        # The ledger records when each run was recorded: its runs and judgments are compared, not its bytes.
        outputs[seed] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                         if p.is_file() and p.name != "ledger.sqlite"}
        with open_ledger(str(out / "ledger.sqlite"), create=False) as ledger:
            outputs[seed]["ledger"] = [(e.run_id, e.row()) for e in ledger.entries()]
    first, *others = outputs.values()
    assert first["ledger"] and all(other == first for other in others)


def test_every_result_records_the_hash_of_each_input_and_of_what_judged_it(tmp_path, run, monkeypatch):
    shutil.copytree(EXAMPLE, tmp_path / "example")
    monkeypatch.chdir(tmp_path / "example")
    run("report", *DOCUMENTS, "-o", "report.json")
    report = json.loads(Path("report.json").read_text())
    import hashlib

    for item in report["inputs"]:
        assert item["sha256"] == hashlib.sha256(Path(item["path"]).read_bytes()).hexdigest()
    assert {Path(i["path"]).name for i in report["inputs"]} == {
        "assessment-2026-h2.yaml", "assessment-2026-h1.yaml", "capacity-review-2026.yaml", "capacity-review-2024.yaml", "attendance.yaml",
        "graduation.yaml", "reading.yaml", "ratings-2024.csv", "ratings-2026.csv"}
    rules = REPO / "plugins" / "rulesets" / "likelihood-default.yaml"
    assert report["assessment"]["rules"]["sha256"] == hashlib.sha256(rules.read_bytes()).hexdigest()
    rubric = REPO / "rubrics" / "delivery-capacity-review.yaml"
    assert report["reviews"][0]["rubric"]["sha256"] == hashlib.sha256(rubric.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", [["report", str(FIXTURES / "chain.yaml"), "--format", "md"],
                                  ["chain", str(FIXTURES / "chain.yaml")],
                                  ["review", str(FIXTURES / "exhibit-1b7.yaml")],
                                  ["judge", str(FIXTURES / "assessment.yaml"), "--format", "md"]])
def test_output_dash_is_standard_output(args, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plain = run(*args)
    dashed = run(*args, "--output", "-")
    assert dashed.exit_code == 0 and dashed.stdout == plain.stdout and dashed.stdout
    assert list(tmp_path.iterdir()) == []
