"""Delivery chains: the ``DeliveryChain`` document, the shared graph analysis detectors read, the
result and its views (Markdown, HTML, SVG, DOT, Mermaid)."""
