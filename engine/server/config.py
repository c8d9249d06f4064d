"""How a server is configured: what ``stocktake serve``'s options say, in one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ServerConfig"]


@dataclass(frozen=True)
class ServerConfig:
    """Everything the app needs to know at start-up; the app never reads the environment itself."""

    host: str = "127.0.0.1"
    port: int = 8000
    ledger: str | None = None
    """A SQLite path or a postgresql:// URL; None: stateless, nothing recorded, no workflow."""
    rubric_paths: tuple[str, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    max_body_mb: int = 50
    """The CLI's --max-file-mb: a request body larger than this is refused (413)."""
    max_errors: int = 20
    """Most errors of one document listed in an error response; the rest are counted in ``more``."""
    max_batch_lines: int = 1_000_000
    request_timeout_s: float = 60.0
    """A document request judged for longer than this is answered 503."""
    allow_anonymous: bool = False
    """Open the stateless compute and catalogue routes without a token (never the workflow)."""
    trusted_proxy_header: str | None = None
    """e.g. ``X-Forwarded-User``; off by default."""
    allow_self_approval: bool = False
    forwarded_allow_ips: str | None = None
    """Proxies (comma-separated IPs or networks, ``*`` any) whose X-Forwarded-Proto/-For are believed
    (the request's scheme, hence the cookie's Secure flag, and client address); None: no one's."""
    secret: bytes = b""
    """CSRF/cookie HMAC key; empty: generated at start-up."""

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_mb * 1024 * 1024
