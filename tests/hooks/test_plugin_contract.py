"""Plugins keep the contract, or fail alone: what a detector, strategy or rule set returns is checked
where the engine calls it; every exception a plugin raises (SystemExit and other BaseExceptions
included, KeyboardInterrupt not) becomes one printable line naming the plugin, exit 3, with the
output written and every other plugin's results intact; detectors see the chain read-only."""

from __future__ import annotations

import json
import textwrap
import unicodedata
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHAIN = str(FIXTURES / "chain.yaml")
REVIEW = str(FIXTURES / "exhibit-1b7.yaml")
ASSESSMENT = str(FIXTURES / "assessment.yaml")
NAMED = "plugin 'probe' (distribution probe-plugin 0.1.0)"

DETECTOR = '''
from stocktake import hookimpl
from stocktake.chains.analysis import ChainFinding

class Escape(BaseException):
    """Neither an Exception nor KeyboardInterrupt."""

class Probe:
    id = {id}
    version = "0.1"
    title = {title}
    description = "A detector under test."
    def detect(self, chain):
{body}

@hookimpl
def stocktake_register_chain_detectors(registry):
    registry.add_detector(Probe())
'''

STRATEGY = '''
from stocktake import hookimpl
from stocktake.review.strategies import Verdict

class Escape(BaseException):
    """Neither an Exception nor KeyboardInterrupt."""

class Probe:
    id = {id}
    version = "0.1"
    title = {title}
    description = "A strategy under test."
    def aggregate(self, ratings, scale):
{body}

@hookimpl
def stocktake_register_strategies(registry):
    registry.add_strategy(Probe())
'''

RULE_SET = '''
from stocktake import hookimpl
from stocktake.likelihood.decision import Decision

class Escape(BaseException):
    """Neither an Exception nor KeyboardInterrupt."""

class Probe:
    id = "probe"
    version = "0.1"
    title = "Probe"
    description = "A rule set under test."
    inputs = ("challenge",)
    output_scale = "delivery"
    def decide(self, values):
{body}

@hookimpl
def stocktake_register_rule_sets(registry):
    registry.add_rule_set(Probe())
'''


@pytest.fixture
def probe(fake_dist):
    """Install the plugin ``probe`` (distribution probe-plugin 0.1.0) from a template."""
    def install(template: str, body: str, *, id: str = '"probe"', title: str = '"Probe"') -> None:
        source = template.format(id=id, title=title, body=textwrap.indent(textwrap.dedent(body), " " * 8))
        fake_dist("probe-plugin", "0.1.0", modules={"probe_plugin": source}, entry_points={"probe": "probe_plugin"})
    return install


def _one_line_naming_the_probe(result) -> str:
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and NAMED in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def builtin_chain(tmp_path_factory):
    """The chain's result with the built-in detectors alone."""
    from click.testing import CliRunner

    from stocktake.cli import cli

    out = tmp_path_factory.mktemp("builtin") / "chain.json"
    result = CliRunner().invoke(cli, ["chain", CHAIN, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def _chain_with_probe(run, tmp_path):
    out = tmp_path / "chain.json"
    result = run("chain", CHAIN, "-o", str(out))
    return result, (json.loads(out.read_text()) if out.exists() else None)


# -- what plugins return ------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "problem"), [
    ('return [ChainFinding("probe", "AG", None)]', "message"),
    ('return [ChainFinding("probe", "AG", "Fine.", count="3")]', "count"),
    ('return [ChainFinding("probe", "AG", "Fine.", count=True)]', "count"),
    ('return [ChainFinding(5, "AG", "Fine.")]', "code"),
    ('return [ChainFinding("probe", "AG", "Fine.", actors="S1")]', "actors"),
    ('return [ChainFinding("probe", "AG", "Fine.", links=[None])]', "links"),
    ('return [ChainFinding("probe", "AG", "Fine.", evidence=(1,))]', "evidence"),
    ('return [ChainFinding("probe", None, "Fine.")]', "level"),
])
def test_a_detector_finding_of_the_wrong_shape_fails_alone_and_the_chain_is_written(
        probe, run, tmp_path, builtin_chain, body, problem):
    probe(DETECTOR, body)
    result, data = _chain_with_probe(run, tmp_path)
    assert result.exit_code == 3
    line = _one_line_naming_the_probe(result)
    assert "detector 'probe'" in line and problem in line
    assert data["findings"] == builtin_chain["findings"]
    assert data["summary"] == builtin_chain["summary"]
    assert [f["plugin"] for f in data["failures"]] == ["probe"]
    assert data["failures"][0]["distribution"] == "probe-plugin" and data["failures"][0]["version"] == "0.1.0"


@pytest.mark.parametrize(("template", "args"), [(DETECTOR, ("chain", CHAIN)),
                                                (STRATEGY, ("review", REVIEW, "--strategy", "probe"))])
@pytest.mark.parametrize(("attributes", "problem"), [
    ({"id": "7"}, "id"), ({"id": '""'}, "id"), ({"title": "None"}, "title"), ({"id": "['probe']"}, "id"),
])
def test_a_plugin_whose_id_or_title_is_not_text_is_refused_naming_it(probe, run, template, args, attributes,
                                                                       problem):
    probe(template, "raise AssertionError('never called')", **attributes)
    result = run(*args)
    assert result.exit_code == 3
    line = _one_line_naming_the_probe(result)
    assert f"whose {problem} is" in line


@pytest.mark.parametrize(("body", "problem"), [
    ('return Verdict("AG", "rated", "Fine.", trail=None)', "trail"),
    ('return Verdict("AG", "rated", "Fine.", trail=(1,))', "trail"),
    ('return Verdict("AG", "bogus", "Fine.")', "state"),
    ('return Verdict(5, "rated", "Fine.")', "level"),
    ('return Verdict("AG", "rated", None)', "because"),
    ('return {"level": "AG"}', "Verdict"),
])
def test_a_strategy_verdict_of_the_wrong_shape_leaves_the_items_unrated_and_the_review_written(
        probe, run, tmp_path, body, problem):
    probe(STRATEGY, body)
    out = tmp_path / "review.json"
    result = run("review", REVIEW, "--strategy", "probe", "-o", str(out))
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(NAMED in line and problem in line for line in lines)
    data = json.loads(out.read_text())
    assert len(data["failures"]) == len(lines)
    rated = [j for j in data["judgments"] if j["subject"].startswith("component:") and j["inputs"]]
    assert rated and all(j["computed"] is None for j in rated)


@pytest.mark.parametrize(("body", "problem"), [
    ('return Decision("AG", None)', "rules"),
    ('return Decision("AG", "fine")', "rules"),
    ('return Decision("AG", ("fine",), matched=None)', "matched"),
    ('return Decision("AG", ("fine",), because=None)', "because"),
    ('return Decision("AG", ("fine",), flags=(1,))', "flags"),
    ('return Decision(None, (), problem=5)', "problem"),
])
def test_a_rule_set_decision_of_the_wrong_shape_fails_per_priority_and_the_result_is_written(
        probe, run, tmp_path, body, problem):
    probe(RULE_SET, body)
    out = tmp_path / "judged.json"
    result = run("judge", ASSESSMENT, "--rules", "probe", "-o", str(out))
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(NAMED in line and problem in line for line in lines)
    data = json.loads(out.read_text())
    assert {p["judgment"]["computed"] for p in data["priorities"]} == {None}


# -- every exception a plugin raises --------------------------------------------------------------

RAISES = ["raise SystemExit(0)", "raise SystemExit('bye')", "raise Escape('out')"]


@pytest.mark.parametrize("raising", RAISES)
def test_an_exit_at_import_is_a_load_failure_naming_the_plugin(fake_dist, run, raising):
    source = "class Escape(BaseException):\n    pass\n" + raising + "\n"
    fake_dist("probe-plugin", "0.1.0", modules={"probe_plugin": source}, entry_points={"probe": "probe_plugin"})
    result = run("chain", CHAIN)
    assert result.exit_code == 3
    assert "failed to import" in _one_line_naming_the_probe(result)


@pytest.mark.parametrize("raising", RAISES)
def test_an_exit_in_a_hook_is_a_load_failure_naming_the_plugin(fake_dist, run, raising):
    source = ("from stocktake import hookimpl\nclass Escape(BaseException):\n    pass\n"
              f"@hookimpl\ndef stocktake_register_scales(registry):\n    {raising}\n")
    fake_dist("probe-plugin", "0.1.0", modules={"probe_plugin": source}, entry_points={"probe": "probe_plugin"})
    result = run("chain", CHAIN)
    assert result.exit_code == 3
    assert "in stocktake_register_scales" in _one_line_naming_the_probe(result)


@pytest.mark.parametrize("raising", RAISES)
def test_an_exit_in_a_detector_fails_that_detector_only(probe, run, tmp_path, builtin_chain, raising):
    probe(DETECTOR, raising)
    result, data = _chain_with_probe(run, tmp_path)
    assert result.exit_code == 3
    _one_line_naming_the_probe(result)
    assert data["findings"] == builtin_chain["findings"]


@pytest.mark.parametrize("raising", RAISES)
def test_an_exit_in_a_strategy_fails_each_item_and_the_review_is_written(probe, run, tmp_path, raising):
    probe(STRATEGY, raising)
    out = tmp_path / "review.json"
    result = run("review", REVIEW, "--strategy", "probe", "-o", str(out))
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr and all(NAMED in line for line in result.stderr.splitlines())
    assert json.loads(out.read_text())["failures"]


@pytest.mark.parametrize("raising", RAISES)
def test_an_exit_in_a_rule_set_fails_each_priority_and_the_result_is_written(probe, run, tmp_path, raising):
    probe(RULE_SET, raising)
    out = tmp_path / "judged.json"
    result = run("judge", ASSESSMENT, "--rules", "probe", "-o", str(out))
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr and all(NAMED in line for line in result.stderr.splitlines())
    assert len(json.loads(out.read_text())["failures"]) == 3


def test_ctrl_c_in_a_detector_still_interrupts_the_command(probe, run, tmp_path):
    probe(DETECTOR, "raise KeyboardInterrupt")
    result, data = _chain_with_probe(run, tmp_path)
    assert result.exit_code == 130 and data is None


# -- a plugin's message on one line ---------------------------------------------------------------

UNPRINTABLE = '''
class Unprintable(Exception):
    def __str__(self):
        raise SystemExit("not even this")
raise Unprintable()
'''


@pytest.mark.parametrize(("body", "shown"), [
    (UNPRINTABLE, "Unprintable"),
    ("raise ValueError('first line\\nerror: forged second line\\r\\n')", "first line\\nerror: forged"),
    ("raise ValueError('x' * 1_000_000)", "xxxx"),
    ("raise ValueError('\\x1b[2J\\x1b[31mred\\x07\\b\\u2028\\u202e\\ud800')", "\\x1b[2J"),
])
def test_a_plugins_message_is_printed_on_one_capped_line_without_control_characters(
        probe, run, tmp_path, builtin_chain, body, shown):
    probe(DETECTOR, body)
    result, data = _chain_with_probe(run, tmp_path)
    assert result.exit_code == 3
    line = _one_line_naming_the_probe(result)
    assert shown in line and len(line) < 1000
    assert not [c for c in line if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    assert data["findings"] == builtin_chain["findings"]
    assert len(data["failures"][0]["message"]) < 1000


# -- detectors see the chain read-only -----------------------------------------------------------

MUTATOR = '''
def attempt(change):
    try:
        change()
    except Exception:
        pass

chain.actors  # every analysis first computed by this detector, before the others run
for name in ("widest", "dependants", "only_way_in", "hops", "feeds_back", "dominators", "graph"):
    attempt(lambda: getattr(chain, name))
north = chain.chain.actors[1]
for change in (
    lambda: chain.chain.actors.remove(north), lambda: chain.chain.actors.append(chain.chain.actors[0]),
    lambda: chain.chain.links.clear(), lambda: chain.chain.evidence.clear(),
    lambda: chain.actors.pop("north"), lambda: chain.actors.clear(),
    lambda: chain.front_line.append("north"), lambda: chain.front_line.clear(), lambda: chain.centres.clear(),
    lambda: chain.succ["dept"].clear(), lambda: chain.pred["north"].clear(), lambda: chain.succ.clear(),
    lambda: chain.links_by_key.clear(), lambda: chain.strength.clear(),
    lambda: chain.widest[0].clear(), lambda: chain.widest[1].clear(), lambda: chain.dependants.clear(),
    lambda: chain.only_way_in.clear(), lambda: chain.hops.clear(), lambda: chain.feeds_back.clear(),
    lambda: chain.dominators.clear(),
    lambda: chain.graph.remove_node("north"), lambda: chain.graph.add_edge("dept", "S4", s=4),
    lambda: setattr(chain, "front_line", []), lambda: setattr(chain, "succ", {}),
    lambda: setattr(chain, "widest", ({}, {})), lambda: delattr(chain, "hops"),
):
    attempt(change)
'''


@pytest.mark.parametrize("then", ["raise RuntimeError('changed the graph, then failed')", "return []"])
def test_a_detector_that_changes_the_graph_does_not_change_the_other_detectors_findings(
        probe, run, tmp_path, builtin_chain, then):
    probe(DETECTOR, MUTATOR + then, id='"aaa-mutator"')  # sorted first: runs before every built-in
    result, data = _chain_with_probe(run, tmp_path)
    assert result.exit_code == (3 if then.startswith("raise") else 0), result.stderr
    assert data["findings"] == builtin_chain["findings"]
    assert data["summary"] == builtin_chain["summary"]
    assert data["judgment"]["rating"] == builtin_chain["judgment"]["rating"]


@pytest.mark.parametrize(("attribute", "value", "problem"), [
    ("inputs", "5", "inputs"), ("inputs", "('challenge', None)", "inputs"), ("output_scale", "['delivery']", "output_scale"),
    ("version", "None", "version"),
])
def test_a_rule_set_whose_inputs_or_scale_are_not_text_is_refused_naming_it(probe, run, attribute, value, problem):
    probe(RULE_SET.replace(f"    {attribute} = ", f"    {attribute} = {value}  # was "), "raise AssertionError")
    result = run("judge", ASSESSMENT, "--rules", "probe")
    assert result.exit_code == 3
    assert f"whose {problem} " in _one_line_naming_the_probe(result)
