"""The parser's defences: hostile YAML and JSON are refused quickly, with a located message."""

from __future__ import annotations

import pytest

from stocktake.core import yaml_reader
from stocktake.core.errors import DocumentError
from stocktake.core.parsing import DEFAULT_LIMITS, Limits, parse_text, read_text

BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_after_building_no_more_values_than_the_limit(monkeypatch):
    # Work counted, not timed: every value built (each alias expansion too) is one call of build,
    # and the bomb expands to 9**9 values, so a walk that does not stop at the limit is caught.
    built = 0
    build = yaml_reader._Walker.build

    def counted(self, node, path, depth):
        nonlocal built
        built += 1
        return build(self, node, path, depth)

    monkeypatch.setattr(yaml_reader._Walker, "build", counted)
    with pytest.raises(DocumentError) as info:
        parse_text(BOMB, fmt="yaml")
    assert built == DEFAULT_LIMITS.max_nodes + 1
    assert "at most 2,000,000 values" in str(info.value) and "aliases expanding" in str(info.value)


def test_deep_nesting_is_refused():
    with pytest.raises(DocumentError, match="nesting at most 64 levels deep"):
        parse_text("a: " + "[" * 200 + "]" * 200, fmt="yaml")
    with pytest.raises(DocumentError, match="nesting at most 3 levels deep"):
        parse_text('{"a": {"b": {"c": {"d": 1}}}}', fmt="yaml", limits=Limits(max_depth=3))


def test_nesting_refused_by_libyaml_itself_still_gets_our_message():
    """Whichever libyaml pip installs: a parser that refuses deep nesting while scanning ahead,
    before yielding any event we count, still gives our message at the level past our limit."""
    import yaml

    from stocktake.core.yaml_reader import _check_depth

    class RefusesPastTwoHundred(yaml.SafeLoader):
        def fetch_flow_collection_start(self, token_class):
            if self.flow_level >= 200:
                raise yaml.scanner.ScannerError("while increasing flow level", None,
                                                "exceeded maximum nesting depth", self.get_mark())
            super().fetch_flow_collection_start(token_class)

    with pytest.raises(DocumentError) as info:
        _check_depth("x: 1\ny: " + "[" * 300, RefusesPastTwoHundred, Limits())
    assert str(info.value) == "<document>:2:68: $: expected nesting at most 64 levels deep, found deeper nesting"


def test_yaml_1_2_scalars():
    data = parse_text("a: off\nb: no\nc: true\nd: 1:20\ne: 0x1F\nf: 2026-01-02\n", fmt="yaml").data
    assert data == {"a": "off", "b": "no", "c": True, "d": "1:20", "e": 31, "f": "2026-01-02"}


@pytest.mark.parametrize("text, message", [
    ("a: !!binary aGVsbG8=\n", "tag !!binary"),
    ("a: !custom x\n", "tag !custom"),
    ("base: &b {x: 1}\nc:\n  <<: *b\n", "a merge key '<<'"),
    ("a: .inf\n", "a finite number"),
    ("? [a, b]\n: c\n", "a list or mapping as a key"),
    ("a: 1\n---\nb: 2\n", "valid YAML"),
])
def test_hostile_yaml(text, message):
    with pytest.raises(DocumentError) as info:
        parse_text(text, fmt="yaml")
    assert message in str(info.value) and info.value.line is not None


@pytest.mark.parametrize("raw, message", [
    (b"\xef\xbb\xbfkind: Rubric\n", None),                      # a UTF-8 BOM is fine
    (b"\xff\xfek\x00i\x00", "UTF-16 text"),
    (b"kind: Rubric\nx: \x00\n", "a NUL byte"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "found a PNG image"),
    (b"\x80\x81 not text", "found byte 0x80 that is not UTF-8"),
])
def test_encodings_and_binary_files(tmp_path, raw, message):
    path = tmp_path / "f.yaml"
    path.write_bytes(raw)
    if message is None:
        assert read_text(path)[0] == "kind: Rubric\n"
    else:
        with pytest.raises(DocumentError, match=message):
            read_text(path)


def test_json_nan_and_duplicates_are_located():
    with pytest.raises(DocumentError) as info:
        parse_text('{"a": 1,\n "b": Infinity}', fmt="json")
    assert (info.value.line, info.value.expected) == (2, "a finite number")
    with pytest.raises(DocumentError) as info:
        parse_text('{"a": 1,\n "a": 2}', fmt="json")
    assert info.value.line == 2 and "again (first on line 1)" in info.value.found
