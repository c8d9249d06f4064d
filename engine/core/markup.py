"""Helpers shared by every view: Markdown escaping, number formatting (from
:mod:`~stocktake.core.figures`), counts, and the two jinja2 environments (HTML with autoescaping;
Markdown whose ``finalize`` escapes every printed value).

Both environments load templates only from the package's ``*/templates`` folders (``x.md.j2``
beside ``x.html.j2``); no template is ever compiled from user text. jinja2 is imported on first use.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Any

from stocktake.core.errors import CONTROLS, visible
from stocktake.core.figures import difference, distance, number, shortfall

__all__ = [
    "ARROWS", "COMPILED", "MOVES", "STATES", "Markdown", "code", "compiled_templates", "counts", "difference",
    "distance", "environment", "html", "input_rows", "legend", "level_badge", "levels", "list_items",
    "markdown_environment", "md", "md_lines", "number", "printable", "shortfall", "token", "tokens", "word",
]

ARROWS = {"improved": "↑", "declined": "↓", "unchanged": "→", "new": "new", "removed": "removed",
          "wording-changed": "≠", "not-rated": "·"}
"""Movement of a capacity component since the baseline."""

MOVES = {"up": "↑ up", "down": "↓ down", "same": "→ same", "new": "new"}
"""Movement of a priority's likelihood since the previous judgment."""

STATES = ("improved", "unchanged", "declined", "up", "same", "down", "new", "removed",
          "wording-changed", "not-rated", "no-consensus", "unreachable")
"""The engine's own keys in counts (movements and states, never a scale's levels), in reading
order. Counts read levels first, in the order the result built them (its scale's, top first),
then these."""


LABELS = {"delivery": {"G": "green", "AG": "amber-green", "AR": "amber-red", "R": "red"}}
"""Fallback words for legends: a result names its scale and carries its level codes in order, but
not the levels' labels, so only the built-in delivery scale's legend has words; another scale's
legend lists its codes."""


class Markdown(str):
    """Text already in Markdown: the Markdown environment prints it as is. Only the filters below
    (each safe by construction) and views' own renderings (Mermaid blocks, heading marks) make one."""

    __slots__ = ()


def printable(text: str, keep: str = "") -> str:
    """``text`` with every control character (C0, DEL, C1: ESC, BEL, backspace, CR, ...) but those
    in ``keep`` written visibly as ``\\n``, ``\\r``, ``\\t`` or ``\\xNN``, so that none reaches a
    terminal or breaks a line or a cell. Text without one is returned as it is."""
    return visible(text, CONTROLS, keep)


_BACKSLASHED = str.maketrans({c: "\\" + c for c in "\\`*_[]|~"})  # ~: fences (~~~) and strikethrough
_ORDINAL = re.compile(r"^(\d+)([.)])(?= |$)")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
"""An ``&`` that would start a character reference (``&lt;``, ``&#60;``): only such a one is
written ``&amp;``; another ``&`` shows as itself."""


def md(text: Any) -> str:
    """Text shown as itself in Markdown, also inside a table cell: no raw HTML (``<`` as ``&lt;``,
    an ``&`` starting a character reference as ``&amp;``; ``>`` only quotes at a line's start, so
    ``a->b`` stays as written), no code spans, emphasis or links (their characters backslash-escaped), no cell
    breaks, one line (whitespace, line breaks included, runs to one space), no control character
    (shown as ``\\x1b`` by :func:`printable`), and nothing at its start that would make a heading,
    a list, a quote or a fence."""
    value = "" if text is None else str(text)
    value = _ENTITY.sub("&amp;", value).replace("<", "&lt;")
    value = printable(" ".join(value.split())).translate(_BACKSLASHED)
    if value[:1].isdigit():  # every \d is a digit to isdigit()
        value = _ORDINAL.sub(r"\1\\\2", value)
    return "\\" + value if value[:1] in ("#", "-", "+", "=", ">") else value


def md_lines(text: Any) -> str:
    """Text of several lines (a description) in Markdown: each line as :func:`md`, blank lines
    (paragraph breaks) kept, at most one in a row."""
    lines = [md(line) for line in ("" if text is None else str(text)).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines).strip("\n"))


def _ordered(values: dict[str, int]) -> list[str]:
    rank = {k: i for i, k in enumerate(STATES)}
    return sorted(values, key=lambda k: rank.get(k, -1))  # stable: levels keep the result's order


def counts(values: dict[str, int], *, skip_zero: bool = False) -> str:
    """``G 3, AG 7, AR 4``: levels in the order the result built them (its scale's, top first),
    then the engine's movements and states in :data:`STATES` order."""
    return ", ".join(f"{k} {values[k]}" for k in _ordered(values) if values[k] or not skip_zero)


def levels(values: dict[str, int]) -> list[str]:
    """The level codes among a result's counts, in the result's (its scale's) order, top first."""
    return [k for k in values if k not in STATES]


def legend(scale: str, codes: list[str]) -> str:
    """``G green, AG amber-green, ...``: each code of ``scale`` with its word where known."""
    words = LABELS.get(scale, {})
    return ", ".join(f"{c} {words[c]}" if c in words else c for c in codes)


def word(scale: str, code: str) -> str:
    """A level's word (``green`` for ``G`` on the delivery scale), else its code."""
    return LABELS.get(scale, {}).get(code, code)


# Markdown filters. Each returns Markdown that is safe by construction; anything else a template
# prints is escaped with md() by the environment's finalize, so a forgotten filter cannot inject.

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:(?:_|[+.:-]+)[A-Za-z0-9]+)*")
"""Ids, codes, versions, dates and enum values: shown as they are. Each ends in a letter or digit
(``1.`` would start a list) and an underscore stands between two letters or digits (where it makes
no emphasis). Anything else is escaped."""
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9+_.:-]*")
"""What a code span shows as it is: an id. Anything else is escaped text (no raw HTML or link
text even inside a code span, where Markdown would keep it literal)."""


def token(value: Any) -> Markdown:
    """An id, code or level as it is when it looks like one (``str(value)``), else escaped."""
    if isinstance(value, Markdown):
        return value
    text = str(value)
    return Markdown(text if _TOKEN.fullmatch(text) else md(text))


def tokens(values: Any, sep: str = ", ") -> Markdown:
    """Ids joined with ``sep`` (a template's constant), each as :func:`token`."""
    return Markdown(sep.join(token(v) for v in values))


def code(value: Any) -> Markdown:
    """An id as a code span; any other text is shown escaped, not as code."""
    text = str(value)
    return Markdown(f"`{text}`" if _CODE.fullmatch(text) else md(text))


def _figure(value: float | None) -> Markdown:
    """A measure without a unit (digits, sign and point only): as it is, ``-`` for none."""
    return Markdown(number(value))


def _dash(value: Any) -> Markdown:
    """``-`` for no value, else :func:`token` (Markdown, e.g. from the ``md`` filter, passes)."""
    return Markdown("-") if value is None or value == "" else token(value)


def _counts_md(values: dict[str, int], skip_zero: bool = False) -> Markdown:
    return Markdown(", ".join(f"{token(k)} {values[k]}" for k in _ordered(values) if values[k] or not skip_zero))


def _heading(depth: int) -> Markdown:
    return Markdown("#" * int(depth))


def _finalize(value: Any) -> Any:
    """Every printed value of a Markdown template: Markdown as it is, anything else escaped."""
    kind = type(value)
    if kind is Markdown:
        return value
    if (kind is int and value >= 0) or kind is dt.date:  # digits (and inner dashes) only
        return str(value)
    return md(value)


def _loader() -> Any:
    import jinja2

    # Each capability keeps its templates in its own folder; this layer finds them by folder name
    # and imports none of them. Template names are unique across folders.
    package = Path(__file__).resolve().parent.parent
    folders = sorted(str(p) for p in package.glob("*/templates") if p.is_dir())
    return jinja2.FileSystemLoader(folders)


def _options() -> dict[str, Any]:
    import jinja2

    # Templates are package files: they never change while the process runs, so no reload checks
    # (each would stat the file on every include).
    return {"loader": _loader(), "undefined": jinja2.StrictUndefined, "trim_blocks": True,
            "lstrip_blocks": True, "keep_trailing_newline": True, "auto_reload": False}


COMPILED = Path(__file__).with_name("templates") / "_compiled.json"
"""The templates as the Python source jinja2 generates for them (most of a command's rendering time),
written by ``python -m stocktake.kinds``: ``{"jinja2": version, kind: {name: [sha1 of text, source]}}``."""
TEMPLATES = {"html": (".html.j2", ".css"), "markdown": (".md.j2",)}
"""The names of each environment's templates end so (a stylesheet is included by HTML templates)."""


@cache
def _compiled_table() -> dict[str, Any]:
    import json

    import jinja2
    try:
        table: dict[str, Any] = json.loads(COMPILED.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return table if table.get("jinja2") == jinja2.__version__ else {}  # another jinja2 generates other code


def _precompiled(kind: str) -> Any:
    """A jinja2 bytecode cache that gives a template the code compiled from :data:`COMPILED`'s
    source for it when the template's text is the text that source was generated from (same sha1)
    under this jinja2 version; otherwise nothing, and jinja2 compiles the template as without one.
    It never writes."""
    import jinja2

    class Precompiled(jinja2.BytecodeCache):
        def get_bucket(self, environment: Any, name: str, filename: str | None, source: str) -> Any:
            bucket = jinja2.bccache.Bucket(environment, name, self.get_source_checksum(source))
            known = _compiled_table().get(kind, {}).get(name)
            if known is not None and known[0] == bucket.checksum:
                # as jinja2 compiles it (not with this module's __future__ flags)
                bucket.code = compile(known[1], filename or "<template>", "exec", dont_inherit=True)
            return bucket

        def set_bucket(self, bucket: Any) -> None:
            pass  # nothing is written

    return Precompiled()


def compiled_templates() -> dict[str, Any]:
    """What :data:`COMPILED` holds for the templates in the package today: each HTML template
    (:data:`TEMPLATES`) as :func:`environment` compiles it, each Markdown one as the other does."""
    import hashlib

    import jinja2

    table: dict[str, Any] = {"jinja2": jinja2.__version__}
    for kind, env in (("html", environment()), ("markdown", markdown_environment())):
        table[kind] = {}
        for name in [n for n in env.loader.list_templates() if n.endswith(TEMPLATES[kind])]:
            source, filename, _ = env.loader.get_source(env, name)
            checksum = hashlib.sha1(source.encode("utf-8")).hexdigest()  # jinja2's bucket checksum
            table[kind][name] = [checksum, env.compile(source, name, filename, raw=True)]
    return table


_URL = re.compile(r"\b(?:https?|ftp|file)://[^\s<>\"']+", re.IGNORECASE)


def _html_finalize(value: Any) -> Any:
    """Every printed value of an HTML template: text with a URL in it escaped, each URL in a
    ``<span class="url">`` (the stylesheet lets it break anywhere, so a long one wraps instead of
    running off the page); anything else as it is, for autoescaping."""
    if type(value) is str and "://" in value:
        from markupsafe import Markup, escape

        out, last = [], 0
        for m in _URL.finditer(value):
            out += [str(escape(value[last:m.start()])), f'<span class="url">{escape(m[0])}</span>']
            last = m.end()
        return Markup("".join(out) + str(escape(value[last:])))
    return value


@cache
def environment() -> Any:
    """The jinja2 environment for every HTML view (``*.html.j2``), autoescaping on; URLs marked
    breakable (:func:`_html_finalize`)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, finalize=_html_finalize, bytecode_cache=_precompiled("html"),
                             **_options())
    # Filters, not globals: jinja calls a filter directly, a global through its call machinery,
    # and reports call these tens of thousands of times.
    env.filters.update(counts=counts, level=level_badge, num=number, distance=distance, shortfall=shortfall,
                       check_rows=check_rows, input_rows=input_rows, list_items=list_items)
    return env


@cache
def markdown_environment() -> Any:
    """The jinja2 environment for every Markdown view (``*.md.j2``): no autoescaping, but every
    printed value passes :func:`md` unless it is :class:`Markdown`. Partials are included, not
    called as macros (a macro's output is plain text, so it would be escaped again)."""
    import jinja2

    env = jinja2.Environment(autoescape=False, finalize=_finalize, bytecode_cache=_precompiled("markdown"),
                             **_options())
    env.filters.update(md=lambda v: Markdown(md(v)), token=token, tokens=tokens, code=code,
                       figure=_figure, dash=_dash, counts=_counts_md, heading=_heading, num=number,
                       distance=lambda v, unit="": Markdown(md(distance(v, unit))),
                       shortfall=lambda v, unit="": Markdown(md(shortfall(v, unit))))
    return env


def check_rows(checks: Any) -> Any:
    """A trajectory's checks as HTML table rows (date, planned, actual, gap, tolerance, state), the
    bytes the template's loop wrote, in one string: a report prints thousands of these cells.
    Numbers are :func:`number` text (digits, sign and point only) and dates ISO dates, safe as
    they are; a state one of the three words; anything else in their place is escaped."""
    from markupsafe import Markup, escape

    def day(value: Any) -> str:
        if type(value) is not dt.date:
            return str(escape(value))
        text = _DAYS.get(value)
        if text is None:
            text = str(value)  # as the template printed it
            if len(_DAYS) < _MOST_DAYS:
                _DAYS[value] = text
        return text

    return Markup("".join(
        f'<tr><td class="date">{day(c.date)}</td><td>{number(c.planned)}</td><td>{number(c.actual)}</td>'
        f'<td>{number(c.gap)}</td><td>{number(c.tolerance)}</td>'
        f'<td>{c.state if type(c.state) is str and c.state in _CHECK_STATES else escape(c.state)}</td></tr>'
        for c in checks))


_DAYS: dict[dt.date, str] = {}
""":func:`check_rows`' text of dates it has written (the checks of many priorities fall on the
same days), at most :data:`_MOST_DAYS`, so a long-running process does not grow with them."""
_MOST_DAYS = 1 << 16
_CHECK_STATES = frozenset(("above", "within", "below"))


def html(value: Any) -> str:
    """``value`` as ``{{ value }}`` prints it in HTML (:func:`_html_finalize`, then autoescaping);
    text without a URL by markupsafe's own replacements, without its calls."""
    if type(value) is str and "://" not in value:
        return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace(
            "'", "&#39;").replace('"', "&#34;")
    from markupsafe import escape

    return str(escape(_html_finalize(value)))


def input_rows(inputs: Any, evidence: bool = True) -> Any:
    """A judgment's inputs as the table rows the templates' loop wrote: name, value (else ``no
    data``), with ``evidence`` its ids (as ``join(", ")`` gives them), note; each as :func:`html`."""
    from jinja2 import filters, nodes
    from markupsafe import Markup

    autoescaping = nodes.EvalContext(environment())

    def joined(ids: Any) -> str:
        if type(ids) is list and all(type(e) is str for e in ids):  # no markup among them: do_join's str.join
            return ", ".join(ids)
        return filters.do_join(autoescaping, ids, ", ")  # type: ignore[no-any-return]

    def row(i: Any) -> str:
        ids = f"<td>{html(joined(i.evidence))}</td>" if evidence else ""
        return f"<tr><td>{html(i.name)}</td><td>{html(i.value or 'no data')}</td>{ids}<td>{html(i.note)}</td></tr>"

    return Markup("".join(map(row, inputs)))


def list_items(steps: Any) -> Any:
    """Steps as ``<li>`` elements, each as :func:`html` (the templates' loop, in one string)."""
    from markupsafe import Markup

    return Markup("".join(f"<li>{html(step)}</li>" for step in steps))


def level_badge(code: str | None, state: str | None = None) -> Any:
    """A level as an HTML badge that prints its code (colour is never the only signal); a dashed
    grey badge saying why there is no level."""
    from markupsafe import Markup, escape

    if code:
        return Markup(f'<span class="level lv-{escape(code)}">{escape(code)}</span>')
    return Markup('<span class="level lv-none">{}</span>').format(
        "no consensus" if state == "no-consensus" else "no level" if state == "partial" else "not rated")


if __name__ == "__main__":  # python -m stocktake.core.markup (run by python -m stocktake.kinds): write COMPILED
    from stocktake.core.field_docs import table_text

    COMPILED.write_text(table_text(compiled_templates()), encoding="utf-8")
