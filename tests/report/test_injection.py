"""Injection through Markdown and the terminal: a result edited by hand (every text field and map
key of a review, assessment, chain and report result) is shown as text, whatever passes validation;
``rubrics show`` escapes a shared rubric; no control character reaches standard output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_system import EXAMPLE

from stocktake.core.errors import DocumentError, UsageError
from stocktake.render import dump_model, render_assessment, render_report, render_review
from stocktake.testing import make_engine

PAYLOADS = {
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "link": "[x](javascript:alert(1)) ![x](http://evil/) **b** _e_ `c`",
    "lines": "a\n# Heading\n~~~\n```\n> quote\n- item\n1. one\r\nend",
    "heading": "# Heading",
    "tilde-fence": "~~~",
    "backtick-fence": "```",
    "cells": "a | b | c",
    "quote": "> quote",
    "bullet": "- item",
    "ordinal": "1. one",
    "ordinal-alone": "1.",
    "setext": "===",
    "terminal": "\x1b[31mred\x07\x08\x0b\x0c\x7f\x9b31m\x1b]0;title\x07",
}
PLAIN = {True: "Plain words", False: "Plain"}
"""What a payload is compared with: text of the same kind (with spaces or a single word) that
validates where it does, so the same parts of a view are shown."""
EMBEDDED = (("reviews",), ("assessment",), ("chains", "*", "result"))
"""Parts of a report that are results of the other kinds, walked as those kinds (whose views
include the report's)."""
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
REPORTED = ["assessment-2026-h2.yaml", "capacity-review-2026.yaml", "capacity-review-2024.yaml", "chains/reading.yaml"]
"""Enough of the example for every part of a report (one review with its baseline, one chain)."""


@pytest.fixture(scope="module")
def engine():
    return make_engine()


@pytest.fixture(scope="module")
def results(engine) -> dict[str, Any]:
    """Each result kind as the JSON data a user could edit."""
    review = engine.with_baseline(engine.review(EXAMPLE / "capacity-review-2026.yaml"),
                                  EXAMPLE / "capacity-review-2024.yaml")
    report = engine.report([EXAMPLE / d for d in REPORTED])
    models = {"review": review, "judge": engine.judge(EXAMPLE / "assessment-2026-h2.yaml"),
              "chain": engine.chain(EXAMPLE / "chains" / "reading.yaml"), "report": report}
    return {k: _with_failures(json.loads(dump_model(m))) for k, m in models.items()}


def _with_failures(value: Any) -> Any:
    """``value`` with one plugin failure in each empty list of failures (so their texts are walked)."""
    if isinstance(value, dict):
        return {k: [FAILURE] if k == "failures" and v == [] else _with_failures(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_failures(v) for v in value]
    return value


FAILURE = {"plugin": "acme", "distribution": "acme-plugins", "version": "1.0", "where": "detector x",
           "message": "failed"}


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], bool]]:
    """Every text value (``False``) and the first key of every map (``True``) under ``value``."""
    if isinstance(value, dict):
        for n, (key, item) in enumerate(value.items()):
            if n == 0:
                yield (*path, key), True
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _places(item, (*path, i))
    elif isinstance(value, str):
        yield path, False


def _first_of_each_shape(data: Any) -> list[tuple[tuple[Any, ...], bool]]:
    """One place per schema path (list indices ignored): the first; enough to reach every field."""
    seen, places = set(), []
    for path, is_key in _places(data):
        shape = (tuple("*" if isinstance(p, int) else p for p in path), is_key)
        if shape not in seen:
            seen.add(shape)
            places.append((path, is_key))
    return places


def _tampered(data: Any, places: list[tuple[tuple[Any, ...], bool]], text: str) -> Any:
    """``data`` with ``text`` at each place, deepest first (so a renamed key keeps the paths below it)."""
    data = json.loads(json.dumps(data))
    for path, is_key in sorted(places, key=lambda p: -len(p[0])):
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if is_key:
            parent[text] = parent.pop(path[-1])
        else:
            parent[path[-1]] = text
    return data


class Views:
    """The Markdown views of one result kind as the CLI makes them: ``report`` of the file, and
    the kind's own view; None when validation refuses the file."""

    def __init__(self, engine, kind: str, data: Any, where: Path):
        self.engine, self.kind, self.data, self.where = engine, kind, data, where

    def _load(self, data: Any) -> Any:
        self.where.write_text(json.dumps(data), encoding="utf-8")
        return self.engine.report([self.where])

    def refusal(self, places, text: str) -> Exception | None:
        """Why validation refuses ``text`` at ``places`` (None: it does not). Validated in memory
        as the loader does, without the cost of locating the error in a file (see :meth:`accepting`)."""
        from stocktake.core.loading import validate_data
        from stocktake.core.parsed import Parsed
        from stocktake.kinds import KINDS

        try:
            validate_data(Parsed(_tampered(self.data, places, text)), context=self.engine._context(), table=KINDS)
        except (DocumentError, UsageError) as err:
            return err
        return None

    def refused_from_file(self, places, text: str) -> bool:
        """True if the report command refuses ``text`` at ``places``, or (a result that validates
        but breaks a view, a class of its own in issue 19) cannot show it."""
        try:
            self.render(places, text)
        except (DocumentError, UsageError, LookupError, TypeError, ValueError, AttributeError):
            return True
        return False

    def render(self, places, text: str) -> list[str]:
        texts = [render_report(self._load(_tampered(self.data, places, text)), "md")]
        model = self.engine.load(self.where).model
        if self.kind == "review":
            texts.append(render_review(model, "md"))
        elif self.kind == "judge":
            texts.append(render_assessment(model, "md"))
        return texts

    def accepting(self, places, text: str) -> list:
        """The ``places`` that take ``text`` all at once: each refusal drops the place it names
        (the error's path), or, if it names none, halves are tried until it is pinned to one."""
        chosen = list(places)
        while chosen:
            err = self.refusal(chosen, text)
            if err is None:
                break
            blamed = self._blamed(chosen, text, err)
            if blamed is None:
                chosen = self._halving(chosen, text)
                break
            chosen.remove(blamed)
        # What the report command reads from a file must agree (it may check more than the model).
        return self._halving(chosen, text, from_file=True) if self.refused_from_file(chosen, text) else chosen

    @staticmethod
    def _blamed(places, text: str, err: Exception) -> Any:
        where = tuple(getattr(err, "path", ()))
        best, keys = None, []
        renamed = {path for path, is_key in places if is_key}
        for place in places:
            path, is_key = place
            written = (*path[:-1], text) if is_key else path  # where the text sits in the file
            for end in range(1, len(path)):  # a renamed key above this place
                if path[:end] in renamed:
                    written = (*written[: end - 1], text, *written[end:])
            if written and where[: len(written)] == written and (best is None or len(written) > best[0]):
                best = (len(written), place)
            if is_key and written[:-1] == where:
                keys.append(place)  # an object refused as a whole: a key renamed in it lost a field
        return best[1] if best else keys[0] if keys else None

    def _halving(self, places, text: str, from_file: bool = False) -> list:
        chosen: list = []
        refused = self.refused_from_file if from_file else lambda p, t: self.refusal(p, t) is not None

        def add(group: list) -> None:
            if not group:
                return
            if not refused(chosen + group, text):
                chosen.extend(group)
            elif len(group) > 1:
                add(group[: len(group) // 2])
                add(group[len(group) // 2:])

        add(places)
        return chosen

    def problems(self, places, text: str, plain: str) -> list[str]:
        found = []
        for view, (after, before) in enumerate(zip(self.render(places, text), self.render(places, plain))):
            found += [f"view {view}: {p}" for p in _problems(after, before)]
        return found

    def culprit(self, places, text: str, plain: str) -> Any:
        """One place whose ``text`` alone makes a problem (for the failure message)."""
        while len(places) > 1:
            half = places[: len(places) // 2]
            try:
                shown = self.problems(half, text, plain)
            except (LookupError, TypeError, ValueError, AttributeError):  # not shown at all (see above)
                shown = []
            places = half if shown else places[len(places) // 2:]
        return places[0]


def _escaped(text: str, i: int) -> bool:
    """True if the character at ``i`` is preceded by an odd number of backslashes."""
    n = 0
    while i - n > 0 and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _unescaped(text: str, needle: str) -> bool:
    return any(not _escaped(text, m.start()) for m in re.finditer(re.escape(needle), text))


BLOCK = re.compile(r" {0,3}(#{1,6}(?=\s|$)|```|~~~|>|[-+*](?=\s|$)|\d{1,9}[.)](?=\s|$)|=+\s*$|-+\s*$)")


def _shape(line: str) -> tuple[str, int]:
    """What a line is to Markdown: its block mark (heading, fence, quote, list item, setext
    underline) and the number of table cell breaks in it."""
    mark = BLOCK.match(line)
    cells = sum(1 for m in re.finditer(r"\|", line) if not _escaped(line, m.start()))
    return (mark.group(1).rstrip() if mark else "", cells)


def _parsed(text: str) -> list[tuple[str, ...]]:
    """The elements a CommonMark parser with tables finds in ``text`` (markdown-it, when installed):
    block tokens with the kinds of their inline parts; text and code spans alike (an id shown as
    code may be shown as escaped text instead), runs of text as one."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # the line checks below still hold
        return []
    parsed = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        inline = [("text" if c.type in ("code_inline", "text_special") else c.type) for c in token.children or ()]
        inline = [kind for i, kind in enumerate(inline) if not (kind == "text" and i and inline[i - 1] == "text")]
        parsed.append((token.type, token.tag, *inline))
    return parsed


def _problems(text: str, baseline: str) -> list[str]:
    problems = []
    if "<script" in text or "<img" in text or re.search(r"<[A-Za-z/!?]", text):
        problems.append("raw HTML")
    if _unescaped(text, "](javascript:") or _unescaped(text, "![") or _unescaped(text, "](http://evil"):
        problems.append("a link or an image")
    if CONTROL.search(text):
        problems.append(f"control character {CONTROL.search(text).group()!r}")
    if _parsed(text) != _parsed(baseline):
        problems.append("the Markdown parses to other elements")
    lines, before = text.split("\n"), baseline.split("\n")
    if len(lines) != len(before):
        problems.append(f"{len(lines)} lines instead of {len(before)}")
    else:
        changed = [(b, a) for b, a in zip(before, lines) if _shape(b) != _shape(a)]
        if changed:
            problems.append(f"line changed shape: {changed[0][0]!r} -> {changed[0][1]!r}")
    return problems


def _walked(kind: str, data: Any) -> list[tuple[tuple[Any, ...], bool]]:
    places = _first_of_each_shape(data)
    if kind != "report":
        return places
    shapes = [tuple("*" if isinstance(p, int) else p for p in path) for path, _ in places]
    return [place for place, shape in zip(places, shapes) if not any(shape[: len(e)] == e for e in EMBEDDED)]


@pytest.mark.parametrize("kind", ["review", "judge", "chain", "report"])
def test_every_text_of_a_tampered_result_is_shown_as_text_in_markdown(engine, results, kind, tmp_path):
    views = Views(engine, kind, results[kind], tmp_path / f"{kind}.json")
    everywhere = _walked(kind, results[kind])
    candidates = {spaced: views.accepting(everywhere, plain) for spaced, plain in PLAIN.items()}
    tested, failures = 0, []
    for name, payload in PAYLOADS.items():
        spaced = any(c.isspace() for c in payload)
        places = views.accepting(candidates[spaced], payload)
        tested += len(places)
        problems = views.problems(places, payload, PLAIN[spaced]) if places else []
        if problems:
            path, is_key = views.culprit(places, payload, PLAIN[spaced])
            failures.append(f"{name} at {'the key ' if is_key else ''}{path}: {problems[0]}")
    assert tested > 10 * len(PAYLOADS)  # many places accept text: the walk is not vacuous
    assert not failures, "\n".join(failures)


# -- rubrics show ------------------------------------------------------------------------------------

RUBRIC_TEXT = ("title", "description", "source", "question", "provenance", "label")
"""The rubric's prose: every one is printed by ``rubrics show``, and so are its lists of text."""
RUBRIC_LISTS = ("key_questions", "evidence_sources", "near_term", "longer_term")


def _rubric_with(text: str) -> dict:
    """The likelihood rubric (id ``shared``) with ``text`` in every text of it."""
    import yaml
    from example_system import REPO

    def put(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: (text if k in RUBRIC_TEXT and isinstance(v, str) else
                       [text] * len(v) if k in RUBRIC_LISTS and isinstance(v, list) else put(v))
                   for k, v in value.items()}
            if "descriptors" in value:
                out["descriptors"] = dict.fromkeys(value["descriptors"], text)
            return out
        if isinstance(value, list):
            return [put(v) for v in value]
        return value

    rubric = yaml.safe_load((REPO / "rubrics" / "likelihood-of-delivery.yaml").read_text(encoding="utf-8"))
    return {**put(rubric), "id": "shared"}


def _show(run, tmp_path: Path, rubric: dict, *args: str) -> str:
    import yaml

    folder = tmp_path / "rubrics"
    folder.mkdir(exist_ok=True)
    (folder / "shared.yaml").write_text(yaml.safe_dump(rubric, allow_unicode=True), encoding="utf-8")
    result = run("--rubric-path", str(folder), "rubrics", "show", "shared", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_rubrics_show_prints_a_shared_rubrics_text_as_text(run, tmp_path, name):
    payload = PAYLOADS[name]
    shown = _show(run, tmp_path, _rubric_with(payload))
    # Plain text of the same lines: the page must have the same lines and elements.
    baseline = _show(run, tmp_path, _rubric_with(re.sub(r"[^\n]", "x", payload)))
    assert _problems(shown, baseline) == []


def test_rubrics_show_keeps_the_paragraphs_of_a_description(run, tmp_path):
    rubric = {**_rubric_with("Plain"), "description": "First paragraph,\nits second line.\n\n# Second paragraph"}
    assert "\nFirst paragraph,\nits second line.\n\n\\# Second paragraph\n" in _show(run, tmp_path, rubric)


# -- the terminal ------------------------------------------------------------------------------------

TERMINAL = "\x1b[31mred\x1b]0;title\x07 \x08\x7f\x9b2J\x85\u2028 end"
"""ESC (a colour, a window title), BEL, backspace, DEL, C1 CSI and NEL, a line separator: as a
YAML document writes them (``"\\e[31m..."``)."""
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SEPARATORS = re.compile("[\x85\u2028\u2029]")
"""Line breaks to readers of JSON Lines that split lines as Unicode does (Python's splitlines)."""
FREE_TEXT = {"system", "title", "name", "rationale", "reason", "source", "summary", "text", "owner", "note",
             "description", "because"}


def test_no_control_character_from_a_document_reaches_standard_output(run, tmp_path, monkeypatch):
    import shutil

    import yaml
    from example_system import DOCUMENTS, poison

    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    monkeypatch.chdir(root)
    for name in DOCUMENTS:
        data = poison(yaml.safe_load(Path(name).read_text(encoding="utf-8")), TERMINAL, FREE_TEXT)
        written = yaml.safe_dump(data, allow_unicode=True)
        assert "\\e[31m" in written  # written as YAML escapes
        Path(name).write_text(written, encoding="utf-8")
    (root / "rubrics").mkdir()
    (root / "rubrics" / "shared.yaml").write_text(yaml.safe_dump(_rubric_with(TERMINAL)), encoding="utf-8")
    commands = [("review", "capacity-review-2026.yaml", "--baseline", "capacity-review-2024.yaml"),
                ("judge", "assessment-2026-h2.yaml"), ("chain", "chains/reading.yaml"), ("report", *DOCUMENTS)]
    formats = {"review": ("json", "md", "html"), "judge": ("json", "jsonl", "md", "html"),
               "chain": ("json", "md", "html", "dot", "mermaid"), "report": ("json", "md", "html")}
    runs = [(c, f) for c in commands for f in formats[c[0]]]
    runs += [(("--rubric-path", "rubrics", "rubrics"), fmt) for fmt in ("text", "json")]
    runs += [(("--rubric-path", "rubrics", "rubrics", "show", "shared"), fmt) for fmt in ("md", "json")]
    for args, fmt in runs:
        result = run(*args, "--format", fmt)
        assert result.exit_code == 0, (args, fmt, result.stderr)
        raw = (SEPARATORS if fmt.startswith("json") else RAW).search(result.stdout) or RAW.search(result.stdout)
        assert raw is None, f"{' '.join(args)} --format {fmt}: {raw.group()!r} in {result.stdout[:300]!r}"
        assert re.search(r"\\(x1b|u001b)(\\?\[|#91;)31m", result.stdout), (args, fmt)  # shown, not dropped


def test_a_text_table_keeps_each_row_on_one_line():
    from stocktake.cli.listings import table

    assert table(("ID", "TITLE"), [("a", "two\nlines\tand \x1b[2J")]) == "ID  TITLE\na   two\\nlines\\tand \\x1b[2J\n"
