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


def chain_svg(chain: Any, result: DeliveryChainResult) -> str:
    if len(chain.actors) > MAX_DRAWN:
        return ""
    marks = _Marks(chain, result)
    spof = marks.spof
    title, marker = result.chain["title"], "arrow-" + _mid(result.chain["id"])
    levels: dict[int, list[Any]] = {}
    for a in chain.actors:
        levels.setdefault(a.level, []).append(a)
    width = max(len(v) for v in levels.values()) * 170 + 40
    rows = sorted(levels)
    height = len(rows) * 110 + 30
    pos = {}
    for r, level in enumerate(rows):
        members = levels[level]
        gap = width / (len(members) + 1)
        for i, a in enumerate(members):
            pos[a.id] = (gap * (i + 1), 40 + r * 110)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chain" viewBox="0 0 {width:.0f} {height}" '
             f'width="{width:.0f}" height="{height}" role="img" aria-label="Delivery chain {escape(title)}">',
             f"<title>Delivery chain: {escape(title)}</title>",
             f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>']
    pairs = {(link.from_, link.to) for link in chain.links}
    for link in chain.links:
        (x1, y1), (x2, y2) = pos[link.from_], pos[link.to]
        y1, y2 = (y1 + 18, y2 - 18) if y2 > y1 else (y1 - 18, y2 + 18) if y2 < y1 else (y1, y2)
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
        # Label beside the line's first third, on the side it was shifted to (or to the right).
        lx, ly = x1 + (x2 - x1) / 3, y1 + (y2 - y1) / 3
        anchor = "end" if x2 < x1 or (x2 == x1 and y2 < y1) else "start"
        lx += -4 if anchor == "end" else 4
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="10" text-anchor="{anchor}" '
                     f'dominant-baseline="central">{escape(label)}</text>')
    for a in chain.actors:
        x, y = pos[a.id]
        border = 3 if a.id in spof else 1
        parts.append(f'<rect x="{x - 75:.1f}" y="{y - 18:.1f}" width="150" height="36" rx="4" fill="#fff" '
                     f'stroke="#111" stroke-width="{border}"/>')
        if a.id in spof:
            parts.append(f'<rect x="{x - 71:.1f}" y="{y - 14:.1f}" width="142" height="28" rx="3" fill="none" '
                         'stroke="#111"/>')
        name = a.name if len(a.name) <= 24 else a.name[:23] + "…"
        detail = " · ".join([a.role, *([f"x{a.count:,}"] if a.count > 1 else []), *(["SPOF"] if a.id in spof else [])])
        parts.append(f'<text x="{x:.1f}" y="{y - 2:.1f}" font-size="10.5" text-anchor="middle">'
                     f'<title>{escape(a.name)}</title>{escape(name)}</text>')
        parts.append(f'<text x="{x:.1f}" y="{y + 11:.1f}" font-size="9" text-anchor="middle">{escape(detail)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chain_view(result: DeliveryChainResult, drawing: Any, fmt: str) -> dict[str, Any]:
    """The analysed chain arranged for reading in ``fmt`` (``md`` or ``html``): the result, its
    weak levels, findings worst first, and its picture when ``drawing`` (the chain document or a
    report's drawing) is given and small enough: SVG markup for HTML, a Mermaid block's text for
    Markdown, else empty."""
    rank = {code: i for i, code in enumerate(levels(result.summary.route_strength))}
    findings = sorted(result.findings, key=lambda f: (not f.caps, -rank.get(f.level, len(rank)), f.detector))
    picture: Any = ""
    if drawing is not None and len(drawing.actors) <= MAX_DRAWN:
        if fmt == "html":
            from markupsafe import Markup

            picture = Markup(chain_svg(drawing, result))
        else:
            picture = Markdown(chain_mermaid(drawing, result).rstrip())
    return {"result": result, "weak": weak_levels(result), "findings": findings, "picture": picture,
            "max_drawn": MAX_DRAWN}


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
