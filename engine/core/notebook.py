"""Results shown in a notebook (Jupyter, VS Code): ``_repr_html_`` gives the result's own HTML page
inside a frame.

The page is a whole document with its own style sheet; put straight into a notebook it would
restyle the notebook around it, so it goes in an ``<iframe srcdoc>``, escaped, and sandboxed (the
page has no script, and the frame may run none).
"""

from __future__ import annotations

import html
import re

__all__ = ["notebook_frame"]


def notebook_frame(page: str, *, height: int = 640) -> str:
    """``page`` (a complete HTML document) as a sandboxed frame ``height`` pixels high."""
    source = html.escape(_CONTROLS.sub("\ufffd", page), quote=True)
    return (f'<iframe sandbox="" srcdoc="{source}" title="Stocktake result" '
            f'style="width: 100%; height: {height}px; border: 1px solid #ccc"></iframe>')


_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters but line breaks and tabs (the page's views escape what they show; this holds
for the frame whatever they let through)."""
