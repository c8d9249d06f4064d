"""YAML into plain data; the place of a value is found again when an error needs it.

Composed with PyYAML's safe C loader (pure-Python safe loader where libyaml is missing) and turned
into data by our own walk over the node tree. The walk only knows the safe core tags, keeps dates
as text (schemas check them), refuses duplicate keys, non-finite numbers, unknown tags and merge
keys, and bounds depth and node count so aliases cannot expand without limit.
"""

from __future__ import annotations

import math
import re
from typing import Any

from stocktake.core.errors import DocumentError
from stocktake.core.parsed import Limits, Parsed, PathKey, Places

__all__ = ["parse_yaml", "syntax_error"]


_PLAIN = "plain YAML data (text, numbers, lists, mappings)"
_INT_12 = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


def parse_yaml(text: str, limits: Limits) -> Parsed:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    _check_depth(text, loader_class, limits)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        raise syntax_error(err, text) from None
    except yaml.YAMLError as err:
        raise DocumentError("valid YAML", str(err).splitlines()[0]) from None
    finally:
        loader.dispose()
    if node is None:
        raise DocumentError("a document", "only comments or an empty document", line=1, column=1)
    data = _Walker(limits).build(node, (), 0)
    return Parsed(data, positions_of=lambda path: positions(text, loader_class, path), source=text)


def syntax_error(err: Any, text: str) -> DocumentError:
    """PyYAML's syntax error in words a person who does not know YAML can act on: what to write
    instead, at the place to change (the pure-Python and the C parser word their errors
    differently; both are recognised)."""
    mark = err.problem_mark or err.context_mark
    problem = (err.problem or err.context or "a syntax error").strip()
    context = (err.context or "").strip()
    line, column = (mark.line, mark.column) if mark else (None, None)
    lines = text.splitlines()
    here = lines[line] if line is not None and line < len(lines) else ""
    char = here[column] if column is not None and column < len(here) else ""
    opened = err.context_mark.line + 1 if err.context_mark is not None else None
    expected, found = "valid YAML", problem
    if char == "\t" or "tab" in problem:
        expected, found = "spaces to indent (YAML cannot be indented with tabs)", "a tab"
    elif "cannot start any token" in problem:
        expected = f"text starting with {char!r} in quotes (YAML reserves {char!r} at the start)"
        found = f"{char!r}"
    elif "mapping values are not allowed" in problem:
        if ": " in here[:column] or here[:column].rstrip().endswith(":"):
            expected = "text holding ': ' in quotes (e.g. title: \"Plans: the next step\")"
            found = "a second ': ' on the line"
        else:
            expected = "each key of a mapping indented as far as the others"
            found = "a key indented further, under a value"
    elif "quoted scalar" in context and "end of stream" in problem:
        expected = f"a closing quote for the text opened on line {opened}"
        found = "the end of the file"
        line, column = (err.context_mark.line, err.context_mark.column) if err.context_mark else (line, column)
    elif "flow sequence" in context or "flow mapping" in context:
        close = "]" if "sequence" in context else "}"
        expected = (f"',' between items and {close!r} closing the {'list' if close == ']' else 'mapping'} "
                    f"opened on line {opened} (text holding ',' ':' '[' or '{{' goes in quotes)")
        found = (f"{char!r} on line {line + 1}, before it was closed" if char and line is not None
                 else "the end of the file")
    elif "expected node content" in problem:
        expected = "a value (a list or mapping opened with '[' or '{' must be closed, with ']' or '}')"
        found = f"{char!r}" if char else "the end of the file"
    elif "block mapping" in context:
        before = here[:column].rstrip()
        if before.endswith(("'", '"')):
            expected, found = "nothing after a closing quote (put all of the text inside the quotes)", "more text"
        elif char == "-":
            expected = "a list item indented under its key (key:, then   - item)"
            found = "'-' level with the keys"
        else:
            expected = "'key: value' lines indented as far as the keys above them"
            found = "a line indented less"
    elif "block collection" in context:
        expected, found = "'- ' starting each item of the list", "a line without it"
    elif "alias" in problem or "anchor" in context or "directive" in context:
        start = "*"
        if err.context_mark is not None and ("anchor" in context or "directive" in context):
            start = text[err.context_mark.index] if err.context_mark.index < len(text) else "&"
        expected = f"text starting with {start!r} in quotes (YAML gives {start!r} a meaning there)"
        found = f"{start!r}"
    return DocumentError(expected, found, line=line + 1 if line is not None else None,
                         column=column + 1 if column is not None else None)


def positions(text: str, loader_class: Any, path: PathKey) -> tuple[Places, Places]:
    """Where the values and keys along ``path`` are in the YAML ``text``: ``(values, keys)`` for
    each prefix of ``path`` that exists, as 1-based ``(line, column)``, found by reading events
    (no tree is built). A path through an alias stops at the alias."""
    import yaml

    values: Places = {}
    keys: Places = {}
    loader = loader_class(text)
    try:
        event = loader.get_event()
        while not isinstance(event, yaml.NodeEvent):
            event = loader.get_event()
        values[()] = _mark(event)
        for depth, part in enumerate(path):
            found = _member(loader, event, part)
            if found is None:
                break
            key, event = found
            if key is not None:
                keys[path[:depth + 1]] = _mark(key)
            values[path[:depth + 1]] = _mark(event)
    except (yaml.YAMLError, AttributeError):
        pass  # the text was read before; what was found stands
    finally:
        loader.dispose()
    return values, keys


def _mark(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _member(loader: Any, event: Any, part: str | int) -> tuple[Any, Any] | None:
    """(key event or None, value event) of member ``part`` of the collection ``event`` starts."""
    import yaml

    if isinstance(event, yaml.MappingStartEvent) and isinstance(part, str):
        while not isinstance(key := loader.get_event(), yaml.MappingEndEvent):
            _skip(loader, key)  # a list or mapping as a key: the walk refuses it, the value comes after
            value = loader.get_event()
            if isinstance(key, yaml.ScalarEvent) and key.value == part:
                return key, value
            _skip(loader, value)
    elif isinstance(event, yaml.SequenceStartEvent) and isinstance(part, int):
        for index in range(part + 1):
            item = loader.get_event()
            if isinstance(item, yaml.SequenceEndEvent):
                return None
            if index == part:
                return None, item
            _skip(loader, item)
    return None


def _skip(loader: Any, event: Any) -> None:
    """Read past the node that ``event`` starts."""
    import yaml

    if isinstance(event, yaml.CollectionStartEvent):
        depth = 1
        while depth:
            event = loader.get_event()
            depth += isinstance(event, yaml.CollectionStartEvent) - isinstance(event, yaml.CollectionEndEvent)


def _check_depth(text: str, loader_class: Any, limits: Limits) -> None:  # long: one pass over the events
    """Refuse nesting deeper than the limit, and more values than ``max_nodes``, before any node is
    built: PyYAML composes nodes recursively (in C with libyaml), so a million ``[`` would
    overflow the stack and crash the process, and a tree of two million nodes outgrows 1 GiB. The
    event parser keeps its own stack, so reading events is safe at any depth and size. Values are
    counted as the walk counts them (mapping keys are not values); an alias counts once here, and
    the walk counts each of its expansions.

    libyaml may refuse deep nesting itself while scanning ahead, before it yields the events we
    count (PyYAML 6.0.4's libyaml stops at 1,000 levels). Then the text before the place it
    stopped is counted again, so the message is ours and points at the level past our limit,
    whichever libyaml pip installed.
    """
    import yaml

    opening, closing = (yaml.SequenceStartEvent, yaml.MappingStartEvent), (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    leaves = (yaml.ScalarEvent, yaml.AliasEvent)
    too_deep = f"nesting at most {limits.max_depth} levels deep"
    loader = loader_class(text)
    # Per open collection: 0 a list, 1 a mapping whose next item is a key, 2 one whose next is a value.
    open_: list[int] = []
    count, most = 0, limits.max_nodes
    try:
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind in leaves or kind in opening:
                if open_ and open_[-1]:
                    open_[-1] = 3 - open_[-1]
                    is_key = open_[-1] == 2
                else:
                    is_key = False
                if not is_key:
                    count += 1
                    if count > most:
                        mark = event.start_mark
                        raise DocumentError(f"at most {most:,} values", "more", line=mark.line + 1,
                                            column=mark.column + 1)
                if kind in opening:
                    open_.append(1 if kind is yaml.MappingStartEvent else 0)
                    if len(open_) > limits.max_depth + 1:
                        mark = event.start_mark
                        raise DocumentError(too_deep, "deeper nesting", line=mark.line + 1, column=mark.column + 1)
            elif kind in closing:
                open_.pop()
            elif event is None or kind is yaml.StreamEndEvent:
                return
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        if mark is None or "nesting" not in str(err.problem):
            return  # a syntax error: composing reports it, with its place
        before = _offset(text, mark.line, mark.column)
        if 0 < before < len(text):
            _check_depth(text[:before], loader_class, limits)
        raise DocumentError(too_deep, "deeper nesting", line=mark.line + 1, column=mark.column + 1) from None
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def _offset(text: str, line: int, column: int) -> int:
    """Index in ``text`` of a 0-based ``line`` and ``column``."""
    start = 0
    for _ in range(line):
        start = text.index("\n", start) + 1
    return start + column


class _Walker:
    def __init__(self, limits: Limits) -> None:
        import yaml

        self._yaml = yaml
        self._constructor = yaml.constructor.SafeConstructor()
        self._limits = limits
        self._count = 0
        self._characters = 0
        """Characters of text built so far, counting each expansion of an alias: without aliases
        never more than the file's size, so the bound is the size limit."""

    def _error(self, node: Any, expected: str, found: str, path: PathKey) -> DocumentError:
        mark = node.start_mark
        return DocumentError(expected, found, path=path, line=mark.line + 1, column=mark.column + 1)

    def build(self, node: Any, path: PathKey, depth: int) -> Any:
        self._count += 1
        if self._count > self._limits.max_nodes:
            raise self._error(
                node, f"at most {self._limits.max_nodes:,} values",
                "more (aliases expanding without bound?)", path,
            )
        if depth > self._limits.max_depth:
            raise self._error(
                node, f"nesting at most {self._limits.max_depth} levels deep", "deeper nesting", path
            )
        yaml = self._yaml
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self._error(node, _PLAIN, f"tag {_short(node.tag)}", path)
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise self._error(node, _PLAIN, f"tag {_short(node.tag)}", path)
            out: dict[str, Any] = {}
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self._error(key_node, "plain keys", "a merge key '<<'", path)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self._error(key_node, "a text key", "a list or mapping as a key", path)
                key = key_node.value
                if len(key) > self._limits.max_text:
                    raise self._error(key_node, f"a key of at most {self._limits.max_text:,} characters",
                                      f"{len(key):,} characters", path)
                if key in out:
                    raise self._error(
                        key_node, "each key once per mapping",
                        f"{key!r} again (first on line {first[key]})", (*path, key),
                    )
                first[key] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, (*path, key), depth + 1)
            return out
        raise self._error(node, "a YAML value", type(node).__name__, path)  # pragma: no cover

    def _scalar(self, node: Any, path: PathKey) -> Any:
        tag = node.tag
        if len(node.value) > self._limits.max_text:
            raise self._error(node, f"a value of at most {self._limits.max_text:,} characters",
                              f"{len(node.value):,} characters", path)
        if tag == _STR:
            self._characters += len(node.value)
            if self._characters > self._limits.max_bytes:
                raise self._error(node, f"at most {self._limits.max_bytes:,} characters of text in all",
                                  "more (aliases repeating a long text?)", path)
            return node.value
        if tag == _TIMESTAMP:
            return node.value  # dates stay text; schemas and models check their format
        if tag == _NULL:
            return None
        if tag == _BOOL:
            # YAML 1.2: only true and false are booleans; yes/no/on/off stay text (a state
            # named "off" or a reviewer "no" must not turn into false).
            if node.value.lower() in ("true", "false"):
                return node.value.lower() == "true"
            return node.value
        if tag == _INT:
            # YAML 1.2 integers only: no sexagesimal 1:20, no 1_000 separators.
            if not _INT_12.fullmatch(node.value):
                return node.value
            if len(node.value.lstrip("+-")) > self._limits.max_digits:
                raise self._error(node, f"an integer of at most {self._limits.max_digits} digits",
                                  f"{len(node.value.lstrip('+-')):,} digits", path)
            return self._constructor.construct_yaml_int(node)
        if tag == _FLOAT:
            value = self._constructor.construct_yaml_float(node)
            if not math.isfinite(value):
                raise self._error(node, "a finite number", repr(node.value), path)
            return value
        raise self._error(node, _PLAIN, f"tag {_short(tag)}", path)


def _short(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
