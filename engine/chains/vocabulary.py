"""The words of a delivery chain: what a link carries, the roles of actors, the absent strength."""

from __future__ import annotations

from typing import Literal

__all__ = ["ABSENT", "Lever", "Role"]

ABSENT = "absent"
Lever = Literal["accountability", "funding", "information", "support", "regulation", "influence"]
"""What a link carries. ``information`` is information and feedback: the route back to the centre."""
Role = Literal["centre", "intermediary", "front-line", "beneficiary"]
