"""``report`` validates the results it reads (a result file edited by hand) as strictly as a
document: each tampering is one located line, exit 2, never a traceback. Every tampered file is
made from a real result of the Northshire example."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from bounded import refused, stocktake_bounded

NORTHSHIRE = Path(__file__).resolve().parents[2] / "examples" / "northshire"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    """The real results: a review, a judged assessment, a chain, and a report with drawings."""
    out = tmp_path_factory.mktemp("results")
    runs = {
        "review": ("review", "capacity-review-2026.yaml"),
        "judge": ("judge", "assessment-2026-h2.yaml"),
        "chain": ("chain", "chains/reading.yaml"),
        "report": ("report", "assessment-2026-h2.yaml", "chains/reading.yaml"),
    }
    found = {}
    for name, (command, *inputs) in runs.items():
        target = out / f"{name}.json"
        result = stocktake_bounded(command, *inputs, "--format", "json", "-o", str(target), cwd=NORTHSHIRE)
        assert result.returncode == 0, result.stderr
        found[name] = json.loads(target.read_text())
    return found


def _trajectory(d):
    return d["priorities"][0]["trajectory"]


TAMPERED = {
    "an empty plan": ("judge", lambda d: _trajectory(d).update(planned=[]),
                      "$.priorities[0].trajectory.planned", "expected a plan of at least the baseline and the target"),
    "an impossible date in the plan": ("judge", lambda d: _trajectory(d)["planned"][1].update(date="2025-02-30"),
                                       "$.priorities[0].trajectory.planned[1].date", "'2025-02-30'"),
    "a bad date in a check": ("judge", lambda d: _trajectory(d)["checks"][0].update(date="soon"),
                              "$.priorities[0].trajectory.checks[0].date", "'soon'"),
    "a unix time as the result's date": ("review", lambda d: d.update(date=1700000000),
                                         "$.date", "expected a date written YYYY-MM-DD"),
    "text as the target's value": ("judge", lambda d: _trajectory(d)["target"].update(value="lots"),
                                   "$.priorities[0].trajectory.target.value", "found 'lots'"),
    "text where a computed number belongs": ("judge", lambda d: _trajectory(d)["checks"][0].update(gap="0.5"),
                                             "$.priorities[0].trajectory.checks[0].gap", "expected a number"),
    "a huge tolerance": ("judge", lambda d: _trajectory(d).update(tolerance={"absolute": 1e200}),
                         "$.priorities[0].trajectory.tolerance", "'absolute'"),
    "a chain with no id": ("chain", lambda d: d["chain"].pop("id"), "$.chain", "expected property 'id'"),
    "a chain id that is no id": ("chain", lambda d: d["chain"].update(id="a b"), "$.chain.id", "'a b'"),
    "an unknown level": ("review", lambda d: d["judgments"][0].update(rating="PURPLE"),
                         "$.judgments[0].rating", "expected a level of scale"),
    "an unknown level in a finding": ("chain", lambda d: d["findings"][0].update(level="PURPLE"),
                                      "$.findings[0].level", "found 'PURPLE'"),
    "an unknown level in the league": ("judge", lambda d: d["league"][0].update(computed="PURPLE"),
                                       "$.league[0].computed", "found 'PURPLE'"),
    "an unknown scale": ("chain", lambda d: d["judgment"].update(scale="nope"),
                         "$.judgment.scale", "expected a registered scale"),
    "a league missing a priority": ("judge", lambda d: d["league"].pop(), "$.league", "a row for every priority"),
    "a drawing naming a missing actor": ("report", lambda d: d["chains"][0]["drawing"]["links"][0].update(to="ghost"),
                                         "$.chains[0].drawing.links[0].to", "found 'ghost'"),
    "an empty drawing": ("report", lambda d: d["chains"][0]["drawing"].update(actors=[], links=[]),
                         "$.chains[0].drawing.actors", "at least 1 item(s)"),
    "a drawing with one actor twice": ("report",
                                       lambda d: d["chains"][0]["drawing"]["actors"].append(
                                           dict(d["chains"][0]["drawing"]["actors"][0])),
                                       "$.chains[0].drawing.actors[", "actor ids unique"),
    "a malformed subject": ("review", lambda d: d["judgments"][0].update(subject="nonsense"),
                            "$.judgments[0].subject", "expected a subject written kind:id"),
    "a subject with no id": ("chain", lambda d: d["judgment"].update(subject="chain:"),
                             "$.judgment.subject", "found 'chain:'"),
    "an unknown level in a report's summary": ("report",
                                               lambda d: d["summary"]["priorities"][0].update(rating="PURPLE"),
                                               "$.summary.priorities[0].rating", "found 'PURPLE'"),
    "a summary row of no priority": ("report", lambda d: d["summary"]["priorities"][0].update(id="ghost"),
                                     "$.summary.priorities[0].id", "found 'ghost'"),
    "a malformed subject inside a report": ("report",
                                            lambda d: d["assessment"]["priorities"][0]["judgment"].update(subject=":"),
                                            "$.assessment.priorities[0].judgment.subject", "found ':'"),
}


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_result_is_refused_where_it_was_edited(tmp_path, results, case, fmt):
    kind, edit, where, needle = TAMPERED[case]
    data = copy.deepcopy(results[kind])
    edit(data)
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(data))
    result = stocktake_bounded("report", str(path), "--format", fmt, "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert refused(result, f"{kind}.json:1:", where, needle), result.stderr
    assert not (tmp_path / "out").exists()


def test_the_untampered_results_are_reported(tmp_path, results):
    for kind, data in results.items():
        path = tmp_path / f"{kind}.json"
        path.write_text(json.dumps(data))
        result = stocktake_bounded("report", str(path), "--format", "md", cwd=tmp_path)
        assert result.returncode == 0, (kind, result.stderr)
