"""Views of an analysed chain: Mermaid and DOT text, a layered SVG, and Markdown and HTML from one
view model (:func:`chain_view`) rendered by ``chain.md.j2`` / ``_chain_body.md.j2`` and
``chain.html.j2`` / the ``chain`` macro (shared with the delivery report).

Weak links (every link a ``weak-link`` finding names: AR or R) are dashed and labelled with their
level and "weak"; single points of failure that cap the chain get a double border and the label
"SPOF"; absent links are drawn crossed out and labelled "absent"; links to beneficiaries outside the
judgment are labelled "not judged". None of it relies on colour alone. Chains too large to draw
(over MAX_DRAWN actors) say so instead.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any

from stocktake.chains.model import ABSENT, DeliveryChain
from stocktake.chains.result import MAX_DRAWN, DeliveryChainResult
from stocktake.core.markup import Markdown, environment, levels, markdown_environment, printable

__all__ = ["MAX_DRAWN", "chain_dot", "chain_html", "chain_markdown", "chain_mermaid", "chain_svg", "chain_view",
           "weak_levels"]


def weak_levels(result: DeliveryChainResult) -> tuple[str, ...]:
    """The lower half of the chain's scale (``AR``, ``R`` on the delivery scale), as for the
    capacity review's "toward green". The result carries its scale's codes, top first, as the
    keys of ``summary.route_strength``."""
    codes = levels(result.summary.route_strength)
    return tuple(codes[math.ceil(len(codes) / 2):])


class _Marks:
    """What a diagram marks: single points of failure whose finding caps the chain ("SPOF"),
    links in the judgment at a weak level ("weak": AR or R; the built-in detectors report each of
    them as a ``weak-link`` finding), and links to actors outside the judgment (beneficiaries only
    drawn): "not judged"."""

    def __init__(self, chain: Any, result: DeliveryChainResult) -> None:
        self.weak = frozenset(weak_levels(result))  # looked up per link: a set, whatever the scale's size
        self.spof = {a for f in result.findings if f.code == "single-point-of-failure" and f.caps for a in f.actors}
        drawn_only = result.summary.beneficiaries == "drawn"
        self.outside = {a.id for a in chain.actors if drawn_only and a.role == "beneficiary"}

    def link(self, link: Any) -> str:
        """``weak``, ``not judged`` or empty: the word a link's label adds to its level."""
        if link.from_ in self.outside or link.to in self.outside:
            return "not judged"
        return "weak" if link.strength in self.weak else ""


def _mid(actor_id: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", actor_id)


def _node_ids(chain: Any) -> dict[str, str]:
    """Mermaid node ids by actor id: ``n_`` and the id with each character but letters, digits and
    ``_`` made ``_``; an id already taken so (ids such as ``a-b``, ``a_b`` and ``a.b``, or ones
    differing only in case) gets ``_2``, ``_3``, ... in the chain's order. Distinct ids give
    distinct nodes, the same chain the same ids."""
    nodes: dict[str, str] = {}
    taken: set[str] = set()
    tried: dict[str, int] = {}  # the last suffix tried per base: linear however many ids share one
    for actor_id in [a.id for a in chain.actors] + [end for x in chain.links for end in (x.from_, x.to)]:
        if actor_id in nodes:
            continue
        node = base = _mid(actor_id)
        n = tried.get(base.casefold(), 1)
        if n > 1:
            node = f"{base}_{n}"
        while node.casefold() in taken:
            n += 1
            node = f"{base}_{n}"
        tried[base.casefold()] = n
        taken.add(node.casefold())
        nodes[actor_id] = node
    return nodes


_MERMAID = str.maketrans({char: f"#{ord(char)};" for char in "#<>`|[]{}%;&"} | {'"': "#quot;"})
"""Characters that could end a label or a statement, start markup or a ``%%`` directive or
comment, or end the Markdown code fence around the diagram, as Mermaid's entity codes."""


def _mermaid_text(text: str) -> str:
    """Label text inside Mermaid quotes: entity codes for :data:`_MERMAID`; one line; control
    characters shown as ``\\x1b``."""
    return printable(" ".join(text.split())).translate(_MERMAID)


def chain_mermaid(chain: Any, result: DeliveryChainResult) -> str:
    marks = _Marks(chain, result)
    spof = marks.spof
    node = _node_ids(chain)
    lines = ["flowchart TD"]
    for a in chain.actors:
        label = f"{a.name}" + (f" x{a.count}" if a.count > 1 else "") + (" SPOF" if a.id in spof else "")
        label = _mermaid_text(label)
        lines.append(f'  {node[a.id]}[["{label}"]]' if a.id in spof else f'  {node[a.id]}["{label}"]')
    for link in chain.links:
        levers = _mermaid_text("/".join(link.levers))
        text = f"{_mermaid_text(link.strength)} {levers}"
        ends = node[link.from_], node[link.to]
        word = marks.link(link)
        if link.strength == ABSENT:
            lines.append(f'  {ends[0]} --x|"absent {levers}"| {ends[1]}')
        elif word == "weak":
            lines.append(f'  {ends[0]} -.->|"{text} weak"| {ends[1]}')
        else:
            lines.append(f'  {ends[0]} -->|"{text}{" " + word if word else ""}"| {ends[1]}')
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    """Text inside a DOT quoted string: backslashes and quotes escaped (so no ``\\N``-style
    escape of Graphviz's comes from data), a line break as DOT's ``\\n``, other control
    characters shown as ``\\x1b``."""
    return printable(text, keep="\n").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def chain_dot(chain: Any, result: DeliveryChainResult) -> str:
    """The chain in Graphviz DOT: every id and label a quoted string (never an HTML-like label),
    one ``rank=same`` group per level."""
    marks = _Marks(chain, result)
    spof = marks.spof

    def q(text: str) -> str:
        return f'"{_dot_text(text)}"'

    lines = [f"digraph {q(chain.id)} {{", "  rankdir=TB;", "  node [shape=box];"]
    members: dict[int, list[str]] = {}
    for a in chain.actors:
        members.setdefault(a.level, []).append(q(a.id))
    for level in sorted(members):
        lines.append(f"  {{ rank=same; {' '.join(members[level])} }}")
    for a in chain.actors:
        label = _dot_text(a.name + (f" x{a.count}" if a.count > 1 else "")) + ("\\nSPOF" if a.id in spof else "")
        shape = ", peripheries=2" if a.id in spof else ""
        lines.append(f'  {q(a.id)} [label="{label}"{shape}];')
    for link in chain.links:
        text = f"{link.strength} {'/'.join(link.levers)}"
        word = marks.link(link)
        if link.strength == ABSENT:
            style = f"label={q('absent ' + '/'.join(link.levers))}, style=dotted, arrowhead=tee"
        elif word == "weak":
            style = f"label={q(text + ' weak')}, style=dashed, penwidth=2"
        else:
            style = f"label={q(text + (' ' + word if word else ''))}"
        lines.append(f"  {q(link.from_)} -> {q(link.to)} [{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


CHAR_W, NAME_CHARS, MAX_NAME_LINES = 6.4, 24, 3
"""Layout of an actor's box: a name line holds NAME_CHARS characters or more (the box widens to the
longest word, up to 40), at most CHAR_W px each at 10.5 px (DejaVu Sans, the widest common default,
averages about 6); longer names wrap onto up to MAX_NAME_LINES lines, and only a name longer still
ends in "…" (its full text is the box's tooltip)."""


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces (a longer word is cut)."""
    lines: list[str] = []
    for word in text.split():
        while len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _name_lines(name: str, width: int) -> list[str]:
    lines = _wrap(name, width)
    if len(lines) > MAX_NAME_LINES:
        lines = lines[:MAX_NAME_LINES]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


Box = tuple[float, float, float, float]


def _label_place(label: str, line: tuple[float, float, float, float], taken: list[Box]) -> tuple[float, float, str]:
    """Where a link's label goes: beside the line (4 px off, right of it first), at the first of
    a third, a half, two thirds, a quarter or three quarters of its length where the label's box
    (estimated: CHAR_W - 0.3 px a character at 10 px) meets no box or label already placed, else
    at a third. The chosen box is added to ``taken``."""
    x1, y1, x2, y2 = line
    w, h = (CHAR_W - 0.3) * len(label) + 2, 12.0
    first: tuple[float, float, str, Box] | None = None
    for t in (1 / 3, 1 / 2, 2 / 3, 1 / 4, 3 / 4):
        px, py = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
        for anchor in ("start", "end"):
            lx = px + 4 if anchor == "start" else px - 4
            box = (lx, py - h / 2, lx + w, py + h / 2) if anchor == "start" else (lx - w, py - h / 2, lx, py + h / 2)
            first = first or (lx, py, anchor, box)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
                taken.append(box)
                return lx, py, anchor
    assert first is not None
    taken.append(first[3])
    return first[0], first[1], first[2]


class _Layout:
    """Where a chain's actors are drawn: one row per level, centre at the top. Boxes are as wide as
    the chain's longest name line needs (names wrap, they are not cut) and a row's boxes stand a
    fixed gap apart, so no two boxes meet however many actors share a level."""

    def __init__(self, chain: Any, spof: set[str]) -> None:
        levels: dict[int, list[Any]] = {}
        for a in chain.actors:
            levels.setdefault(a.level, []).append(a)
        chars = min(max([NAME_CHARS, *(len(w) for a in chain.actors for w in a.name.split())]), 40)
        self.names = {a.id: _name_lines(a.name, chars) for a in chain.actors}
        self.detail = {a.id: " · ".join([a.role, *([f"x{a.count:,}"] if a.count > 1 else []),
                                          *(["SPOF"] if a.id in spof else [])]) for a in chain.actors}
        self.box_w = max(150.0, CHAR_W * max([chars, *(len(d) * 0.85 for d in self.detail.values())]) + 20)
        self.lines = max(len(v) for v in self.names.values())
        self.box_h = 22 + 13 * self.lines
        pitch, row = self.box_w + 30, self.box_h + 70
        self.width = max(len(v) for v in levels.values()) * pitch + 20
        self.height = len(levels) * row - 70 + 40
        self.pos: dict[str, tuple[float, float]] = {}
        for r, level in enumerate(sorted(levels)):
            members = levels[level]
            left = (self.width - len(members) * pitch) / 2
            for i, a in enumerate(members):
                self.pos[a.id] = (left + pitch * (i + 0.5), 20 + self.box_h / 2 + r * row)


def chain_svg(chain: Any, result: DeliveryChainResult) -> str:
    """The chain drawn as :class:`_Layout` places it, links as lines with their labels placed
    clear of boxes and each other (:func:`_label_place`)."""
    if len(chain.actors) > MAX_DRAWN:
        return ""
    marks = _Marks(chain, result)
    spof = marks.spof
    title, marker = result.chain["title"], "arrow-" + _mid(result.chain["id"])
    layout = _Layout(chain, spof)
    names, detail, box_w, box_h, lines, pos = (layout.names, layout.detail, layout.box_w, layout.box_h,
                                                layout.lines, layout.pos)
    width, height = layout.width, layout.height
    half = box_h / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chain" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="Delivery chain {escape(title)}">',
             f"<title>Delivery chain: {escape(title)}</title>",
             f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>']
    pairs = {(link.from_, link.to) for link in chain.links}
    taken = [(x - box_w / 2, y - half, x + box_w / 2, y + half) for x, y in pos.values()]
    for link in chain.links:
        (x1, y1), (x2, y2) = pos[link.from_], pos[link.to]
        y1, y2 = (y1 + half, y2 - half) if y2 > y1 else (y1 - half, y2 + half) if y2 < y1 else (y1, y2)
        if (link.to, link.from_) in pairs:
            # A link each way: draw them side by side, each shifted to its own right.
            length = max(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, 1.0)
            dx, dy = -(y2 - y1) / length * 5, (x2 - x1) / length * 5
            x1, y1, x2, y2 = x1 + dx, y1 + dy, x2 + dx, y2 + dy
        word = marks.link(link)
        weak = word == "weak"
        absent = link.strength == ABSENT
        dash = ' stroke-dasharray="6 4"' if weak else ' stroke-dasharray="2 4"' if absent else ""
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#333" '
                     f'stroke-width="{2.5 if weak else 1.2}"{dash} marker-end="url(#{marker})"/>')
        label = "absent" if absent else f"{link.strength}{' ' + word if word else ''}"
        lx, ly, anchor = _label_place(label, (x1, y1, x2, y2), taken)
        parts.append(f'<text class="link-label" x="{lx:.1f}" y="{ly:.1f}" font-size="10" text-anchor="{anchor}" '
                     f'dominant-baseline="central">{escape(label)}</text>')
    for a in chain.actors:
        x, y = pos[a.id]
        border = 3 if a.id in spof else 1
        parts.append(f'<g class="actor"><title>{escape(a.name)}</title>'
                     f'<rect class="box" x="{x - box_w / 2:.1f}" y="{y - half:.1f}" width="{box_w:.0f}" '
                     f'height="{box_h:.0f}" rx="4" fill="#fff" stroke="#111" stroke-width="{border}"/>')
        if a.id in spof:
            parts.append(f'<rect x="{x - box_w / 2 + 4:.1f}" y="{y - half + 4:.1f}" width="{box_w - 8:.0f}" '
                         f'height="{box_h - 8:.0f}" rx="3" fill="none" stroke="#111"/>')
        top = y - half + 15 + 13 * (lines - len(names[a.id])) / 2
        parts.append('<text class="name" font-size="10.5" text-anchor="middle">'
                     + "".join(f'<tspan x="{x:.1f}" y="{top + 13 * i:.1f}">{escape(line)}</tspan>'
                               for i, line in enumerate(names[a.id])) + "</text>")
        parts.append(f'<text class="detail" x="{x:.1f}" y="{y + half - 8:.1f}" font-size="9" '
                     f'text-anchor="middle">{escape(detail[a.id])}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


_WORD_AFTER = re.compile(r"\w|-(?!>)")
"""What may not follow a name's id: a word character, or a '-' that does not begin '->'."""


class _Replacements(dict[str, str]):
    """What each choice a finding's text may name is written as (a class of its own so a test can
    count the look-ups)."""


def _namer(drawing: Any, result: DeliveryChainResult) -> Any:
    """A function giving a finding's message (or the judgment's because) with the actors and links
    it names by id written with the actors' names (``d-west->s-west`` as ``Westmoor district →
    Westmoor elementary schools``), for reading; an id already beside its name (``Westmoor
    district (d-west)``) stays, and so does everything without the chain document to name it
    (a report given only the result). Only ids that some finding names are replaced, as whole
    words: an actor called ``to`` leaves the word "to" alone elsewhere."""
    if drawing is None:
        return lambda text: text
    names = {a.id: a.name for a in drawing.actors}
    named = {a for f in result.findings for a in [*f.actors, *(end for key in f.links for end in key.split("->"))]}
    keys = {f"{x.from_}->{x.to}": f"{names.get(x.from_, x.from_)} → {names.get(x.to, x.to)}" for x in drawing.links
            if x.from_ in named or x.to in named}
    words = {i: names[i] for i in named if i in names}
    kept = {f"{names[i]} ({i})" for i in words}
    table = _Replacements({t: keys.get(t) or words.get(t) or t for t in (*kept, *keys, *words)})
    if not table:
        return lambda text: text
    lengths: dict[str, list[int]] = {}  # the choices' lengths by first character, longest first
    for choice in table:
        lengths.setdefault(choice[0], []).append(len(choice))
    for found in lengths.values():
        found[:] = sorted(set(found), reverse=True)
    start = re.compile(r"(?<![\w-])[" + "".join(map(re.escape, sorted(lengths))) + "]")

    def say(text: str) -> str:
        # The longest choice at each start that no word character (nor a '-' but the one of '->')
        # follows, as one regex alternating every choice would find, in one pass over the text.
        parts, at, end = [], 0, len(text)
        found = start.search(text)
        while found is not None:
            p = found.start()
            for size in lengths[text[p]]:
                q = p + size
                if q > end or _WORD_AFTER.match(text, q):
                    continue
                written = table.get(text[p:q])
                if written is not None:
                    parts += [text[at:p], written]
                    at = q
                    break
            found = start.search(text, max(p + 1, at))
        return "".join(parts) + text[at:] if parts else text

    return say


def chain_view(result: DeliveryChainResult, drawing: Any, fmt: str) -> dict[str, Any]:
    """The analysed chain arranged for reading in ``fmt`` (``md`` or ``html``): the result, its
    weak levels, findings worst first, and its picture when ``drawing`` (the chain document or a
    report's drawing) is given and small enough: SVG markup for HTML, a Mermaid block's text for
    Markdown, else empty; ``say`` and ``because``: findings' messages and the judgment's because
    with actors' names for their ids (:func:`_namer`)."""
    rank = {code: i for i, code in enumerate(levels(result.summary.route_strength))}
    findings = sorted(result.findings, key=lambda f: (not f.caps, -rank.get(f.level, len(rank)), f.detector))
    picture: Any = ""
    if drawing is not None and len(drawing.actors) <= MAX_DRAWN:
        if fmt == "html":
            from markupsafe import Markup

            picture = Markup(chain_svg(drawing, result))
        else:
            picture = Markdown(chain_mermaid(drawing, result).rstrip())
    say = _namer(drawing, result)
    return {"result": result, "weak": weak_levels(result), "findings": findings, "picture": picture,
            "max_drawn": MAX_DRAWN, "say": say, "because": say(result.judgment.because)}


def chain_markdown(chain: DeliveryChain, result: DeliveryChainResult) -> str:
    """The chain's analysis as Markdown (``chain.md.j2``), its diagram as a Mermaid block."""
    template = markdown_environment().get_template("chain.md.j2")
    text = str(template.render(title=chain.title, chain=chain_view(result, chain, "md")))
    # The body ends with the blank line that parts it from what follows; the page ends there.
    return text[:-1] if text.endswith("\n\n") else text


def chain_html(chain: DeliveryChain | None, result: DeliveryChainResult) -> str:
    """The chain's analysis as one self-contained HTML page (``chain.html.j2``); its diagram when
    ``chain`` (the document) is given."""
    return str(environment().get_template("chain.html.j2").render(chain=chain_view(result, chain, "html")))
