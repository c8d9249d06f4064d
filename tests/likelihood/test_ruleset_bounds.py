"""Rule sets are bounded before they are built: compiling is linear in the table, the exhaustive
check refuses a space too large to enumerate, and a refused rule set's message lists a few values,
not thousands."""

from __future__ import annotations

from pathlib import Path

import pytest
from bounded import refused, stocktake_bounded

from stocktake.api import Engine
from stocktake.likelihood.decision import MAX_CHECK_WORK, MAX_ENUMERATION, CompiledTable, check_table
from stocktake.likelihood.ruleset import MAX_INPUTS, MAX_RULES, MAX_STATES

ROOT = Path(__file__).resolve().parents[2]
ASSESSMENT = ROOT / "examples" / "northshire" / "assessment-2026-h2.yaml"


def rule_set(path: Path, *, states: int, rules: int, inputs: list[str] = ("planning",)) -> Path:
    """A decision table with one input of ``states`` named states and ``rules`` rules, each
    allowing every state but one."""
    names = [f"s{i}" for i in range(states)]
    lines = ["kind: RuleSet", "schema_version: 1", "id: big", 'version: "1.0"', "title: Big",
             "hit_policy: first", "inputs:", *(f"  - {{name: {name}, scale: delivery}}" for name in inputs),
             f"  - {{name: off_track, states: [{', '.join(names)}]}}", "rules:"]
    lines += [f"  - {{id: r{r}, when: {{off_track: {{not: [{names[r % states]}]}}}}, then: AR, because: Rule {r}.}}"
              for r in range(rules)]
    lines.append("  - {id: last, then: AR, because: Otherwise.}")
    path.write_text("\n".join(lines) + "\n")
    return path


class _Counted(list):  # type: ignore[type-arg]
    """A rule's list of allowed values that counts the values read: each one iterated, and each
    one a membership test compares (a list is scanned)."""

    reads = 0

    def __iter__(self):
        _Counted.reads += len(self)
        return super().__iter__()

    def __contains__(self, value):
        _Counted.reads += len(self)
        return super().__contains__(value)


class _CountedWhen(dict):  # type: ignore[type-arg]
    def get(self, name, default=None):
        _Counted.reads += 1
        return super().get(name, default)

    def __getitem__(self, name):
        _Counted.reads += 1
        return super().__getitem__(name)


def test_a_large_decision_table_compiles_reading_each_rule_value_once(tmp_path):
    # 10,000 rules on an input of 100 states (about 600 KB): compiling tested every value against
    # every rule's list (over 15 s). Work is counted, not timed: compiling reads each rule's
    # condition once per input and each allowed value once, so the count is the table's size.
    path = rule_set(tmp_path / "big.yaml", states=MAX_STATES, rules=MAX_RULES - 1)
    engine = Engine()
    table = engine.rule_set(str(path)).rule_set
    assert isinstance(table, CompiledTable)
    rules = table.ruleset.rules
    for rule in rules:
        object.__setattr__(rule, "when", _CountedWhen({k: _Counted(v) for k, v in rule.when.items()}))
    size = sum(len(allowed) for rule in rules for allowed in rule.when.values())
    _Counted.reads = 0
    recompiled = CompiledTable(table.ruleset, engine.scales())
    assert _Counted.reads <= len(table.inputs) * len(rules) + size  # one lookup per rule and input, one read per value
    report = check_table(recompiled)
    assert report.combinations == 505 and not report.ok  # dead rules: 'first' lets only a few decide


def test_a_state_list_past_the_limit_is_refused_where_it_is(tmp_path):
    # 2,000 states and 4,000 rules (450 KB) compiled for minutes before the limit.
    path = rule_set(tmp_path / "states.yaml", states=2_000, rules=4_000)
    result = stocktake_bounded("rules", "check", str(path), cwd=tmp_path, seconds=10)
    assert refused(result, "states.yaml:9:", "$.inputs[1].states", f"at most {MAX_STATES} item(s)",
                   "a list of 2000 items")


def test_a_rule_list_past_the_limit_is_refused(tmp_path):
    path = rule_set(tmp_path / "rules.yaml", states=3, rules=MAX_RULES)  # and the catch-all rule
    result = stocktake_bounded("rules", "check", str(path), cwd=tmp_path)
    assert refused(result, "$.rules", f"at most {MAX_RULES} item(s)")


def test_an_input_list_past_the_limit_is_refused(tmp_path):
    path = rule_set(tmp_path / "inputs.yaml", states=3, rules=1, inputs=[f"i{i}" for i in range(MAX_INPUTS)])
    result = stocktake_bounded("rules", "check", str(path), cwd=tmp_path)
    assert refused(result, "$.inputs", f"at most {MAX_INPUTS} item(s)")


def test_the_check_refuses_a_space_too_large_to_enumerate(tmp_path):
    # 5 values on each of 8 inputs and 4 states: 1,562,500 combinations (about 14 s before the bound).
    path = rule_set(tmp_path / "wide.yaml", states=3, rules=1, inputs=[f"i{i}" for i in range(8)])
    result = stocktake_bounded("rules", "check", str(path), cwd=tmp_path, seconds=20)
    assert refused(result, "1,562,500 input combinations", f"more than {MAX_ENUMERATION:,}")


def test_the_check_refuses_combinations_times_rules_past_its_budget(tmp_path):
    # 5 x 5 x 5 x 101 = 12,625 combinations, each matched against 9,000 rules.
    path = rule_set(tmp_path / "work.yaml", states=MAX_STATES, rules=9_000, inputs=["a", "b", "c"])
    result = stocktake_bounded("rules", "check", str(path), cwd=tmp_path, seconds=20)
    assert refused(result, "times 9,001 rules", f"more than {MAX_CHECK_WORK:,} matches")


def test_a_refused_rule_set_lists_a_few_states_and_how_many_more(tmp_path):
    path = rule_set(tmp_path / "many.yaml", states=MAX_STATES, rules=1)
    result = stocktake_bounded("judge", str(ASSESSMENT), "--rules", str(path), cwd=tmp_path)
    assert refused(result, "'s0', 's1'", "'s7' and 93 more", "['none', 'one', 'two-or-more', 'no-data']")
    assert "'s8'" not in result.stderr


@pytest.mark.parametrize("condition", ["{not: [nope]}", "nope"])
def test_an_unknown_state_message_lists_a_few_states(tmp_path, condition):
    path = rule_set(tmp_path / "unknown.yaml", states=MAX_STATES, rules=1)
    text = path.read_text().replace("{not: [s0]}", condition)
    path.write_text(text)
    result = stocktake_bounded("rules", "check", str(path), cwd=tmp_path)
    assert refused(result, "expected one of s0, s1", "and 93 more, found 'nope'")
