"""The readers' bounds are exact and their positions right: values and depth are counted as the
walk counts them (strings holding brackets, commas and escaped quotes do not count), JSON
positions found by the JSON walk are those the YAML reader gives, and a kind may be smaller."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from stocktake.core.errors import DocumentError
from stocktake.core.json_reader import parse_json
from stocktake.core.json_shape import positions
from stocktake.core.parsed import Limits
from stocktake.core.yaml_reader import parse_yaml

FIXTURES = Path(__file__).parents[1] / "fixtures"
TRICKY = ['"[[{,"', '"\\"[,"', '"\\\\"', '"a\\\\\\"]"', '"\\u005b"', '""', '","', '"{}"']


def _list_of(count: int) -> str:
    """A JSON list holding ``count - 1`` values (``count`` with the list), strings that look like
    structure among them."""
    items = [TRICKY[i % len(TRICKY)] if i % 3 else "[]" for i in range(count - 1)]
    return "[" + ", ".join(items) + "]"


@pytest.mark.parametrize("count", [10, 101])
def test_json_values_are_counted_exactly(count):
    text = _list_of(count)
    assert len(json.loads(text)) == count - 1
    parse_json(text, Limits(max_json_values=count))
    with pytest.raises(DocumentError, match=f"expected at most {count - 1:,} values, found {count:,} values"):
        parse_json(text, Limits(max_json_values=count - 1))


def test_json_mapping_keys_are_not_values():
    text = json.dumps({f"k{i}": {} for i in range(50)})
    parse_json(text, Limits(max_json_values=51))
    with pytest.raises(DocumentError, match="at most 50 values"):
        parse_json(text, Limits(max_json_values=50))


def test_json_values_default_to_one_per_ten_bytes_of_the_size_limit():
    assert Limits().json_values == 5_242_880
    assert Limits(max_bytes=1024).json_values == Limits().max_nodes
    assert Limits().per_line().json_values == 2_000_000


@pytest.mark.parametrize("depth", [64, 65])
def test_json_depth_is_that_of_yaml(depth):
    text = "[" * (depth + 1) + "]" * (depth + 1)  # the top list is at depth 0
    if depth <= 64:
        parse_json(text, Limits())
        parse_yaml(text, Limits())
        return
    with pytest.raises(DocumentError) as json_error:
        parse_json(text, Limits())
    with pytest.raises(DocumentError) as yaml_error:
        parse_yaml(text, Limits())
    assert str(json_error.value) == str(yaml_error.value)


def test_brackets_in_strings_do_not_count_as_depth():
    parse_json("[" + ", ".join(['"' + "[" * 100 + '"', '"\\"' + "{" * 100 + '"']) + "]", Limits())


def test_yaml_values_are_counted_while_reading_events_keys_not_counted():
    text = "{" + ", ".join(f"k{i}: [a, b]" for i in range(10)) + "}"  # 1 + 10 * 3 values
    parse_yaml(text, Limits(max_nodes=31))
    with pytest.raises(DocumentError, match="at most 30 values") as refused:
        parse_yaml(text, Limits(max_nodes=30))
    assert refused.value.line == 1


def _places_in_tree(node, path=(), values=None, keys=None):
    """Every value's and key's place, from PyYAML's node tree (what the readers must agree with)."""
    values, keys = {} if values is None else values, {} if keys is None else keys
    values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _places_in_tree(child, (*path, index), values, keys)
    elif isinstance(node, yaml.MappingNode):
        for key, child in node.value:
            keys[(*path, key.value)] = (key.start_mark.line + 1, key.start_mark.column + 1)
            _places_in_tree(child, (*path, key.value), values, keys)
    return values, keys


@pytest.mark.parametrize("name", ["chain.yaml", "assessment.yaml"])
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_positions_found_again_are_those_of_the_node_tree(name, fmt):
    source = (FIXTURES / name).read_text()
    text = source if fmt == "yaml" else json.dumps(yaml.safe_load(source), indent=2, default=str)
    values, keys = _places_in_tree(yaml.compose(text, Loader=yaml.SafeLoader))
    parsed = parse_yaml(text, Limits()) if fmt == "yaml" else parse_json(text, Limits())
    assert len(values) > 50
    for path, place in values.items():
        assert parsed.locate(path) == place, path
        if path and isinstance(path[-1], str):
            assert parsed.locate_key(path) == keys[path], path


def test_json_positions_of_a_path_that_is_not_there_stop_at_its_deepest_part():
    text = '{"a": [1, {"b": 2}]}'
    values, keys = positions(text, ("a", 1, "c", 0))
    assert values == {(): (1, 1), ("a",): (1, 7), ("a", 1): (1, 11)} and keys == {("a",): (1, 2)}
    parsed = parse_json(text, Limits())
    assert parsed.locate(("a", 1, "c")) == (1, 11)


@pytest.mark.parametrize(("text", "needle", "place"), [
    ('{"a": 1,\n "b": {"c": 1, "c": 2}}', "each key once per mapping, found 'c' again (first on line 2)", (2, 16)),
    ('[1,\n 2, NaN]', "a finite number, found NaN", (2, 5)),
    ('{"n": 1234567890123456789012345678901}', "an integer of at most 30 digits", (1, 7)),
])
def test_json_rule_breaks_are_located_by_the_json_walk(text, needle, place):
    with pytest.raises(DocumentError, match=re.escape(needle)) as refused:
        parse_json(text, Limits())
    assert (refused.value.line, refused.value.column) == place


def test_a_kind_may_be_smaller_than_the_size_limit(tmp_path):
    from stocktake.testing import make_engine

    path = tmp_path / "assessment.json"
    data = yaml.safe_load((FIXTURES / "assessment.yaml").read_text())
    data["title"] = "x" * 20_000
    path.write_text(json.dumps(data, default=str))
    engine = make_engine()
    engine.limits = Limits(max_bytes=50 * 1024)  # assessments: 16 / 50 of it
    with pytest.raises(DocumentError, match="expected a DeliveryAssessment of at most 16,384 bytes, found 2"):
        engine.load(path)
