"""The delivery report as PDF: its HTML (with the print stylesheet) laid out by WeasyPrint.

WeasyPrint is an optional extra (``pip install 'stocktake[pdf]'``), imported only here and only
when a PDF is asked for. It lays out HTML and CSS itself (paged media: ``@page`` sizes, margins,
page breaks) with no browser and no network: the report's HTML is self-contained, and the URL
fetcher refuses every URL, so nothing is fetched.
The bytes are the same for the same report: no creation or modification date is written and the
PDF's identifier is derived from the HTML.
"""

from __future__ import annotations

import hashlib
from typing import Any

from stocktake.core.errors import UsageError

__all__ = ["PDF_EXTRA", "html_pdf"]

PDF_EXTRA = "pip install 'stocktake[pdf]'"


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as err:  # OSError: WeasyPrint installed, but Pango missing
        raise UsageError(f"PDF output needs WeasyPrint, an optional extra: {PDF_EXTRA} "
                         f"(or choose --format html and print it from a browser) [{err}]") from None
    return weasyprint


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the report fetches nothing ({url[:60]})")


def html_pdf(html: str) -> bytes:
    """``html`` (a self-contained page) as PDF bytes, the same bytes for the same page."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, url_fetcher=_no_fetching).render()
    document.metadata.created = document.metadata.modified = None
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    return bytes(document.write_pdf(identifier=identifier))
