"""The ``DeliveryChainResult`` document: what each detector found and the chain's judgment."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stocktake.core.models import Model, SchemaVersion
from stocktake.judgment.envelope import EngineRef, InputFile, PluginFailure
from stocktake.judgment.evidence import Evidence
from stocktake.judgment.model import Judgment

MAX_DRAWN = 400
"""Chains of at most this many actors are drawn (SVG, DOT, Mermaid, the report's drawings);
larger ones say they are too large to draw."""


class DetectorUsed(Model):
    plugin: str
    id: str
    version: str
    title: str


class DetectorFinding(Model):
    """A weak point a detector found, and the level it caps the chain at."""

    detector: str
    code: str
    level: str
    message: str
    actors: list[str] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    """Links as ``from->to``."""
    evidence: list[str] = Field(default_factory=list)
    count: int = 1


class ChainSummary(Model):
    actors: int
    links: int
    absent_links: int
    front_line: int
    reachable_front_line: int
    route_strength: dict[str, int]
    """Front-line actors by the strength of their strongest route (plus ``unreachable``)."""
    findings: dict[str, int]
    """Findings per code."""


class DeliveryChainResult(Model):
    """The analysed chain: ``stocktake chain`` output."""

    kind: Literal["DeliveryChainResult"]
    schema_version: SchemaVersion
    engine: EngineRef
    inputs: list[InputFile]
    chain: dict[str, str]
    """id, priority and title of the chain."""
    detectors: list[DetectorUsed]
    judgment: Judgment
    findings: list[DetectorFinding]
    evidence: dict[str, Evidence]
    summary: ChainSummary
    failures: list[PluginFailure] = Field(default_factory=list)
