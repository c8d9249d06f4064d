"""The ``DeliveryChainResult`` document: what each detector found and the chain's judgment."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from stocktake.core.models import Id, Model, SchemaVersion, Text, invalid
from stocktake.judgment.checked import check_judgment, check_level, context_scales
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
    """A weak point a detector found, and the level it caps the chain at (unless ``caps`` is false)."""

    detector: str
    code: str
    level: str
    message: str
    actors: list[str] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    """Links as ``from->to``."""
    evidence: list[str] = Field(default_factory=list)
    count: int = 1
    caps: bool = True
    """Whether the finding caps the chain's judgment at ``level`` (one that does not is noted beside it)."""


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
    beneficiaries: Literal["drawn", "judged"] = "drawn"
    """The chain's ``settings.beneficiaries``: whether its beneficiaries were judged or only drawn."""


class DeliveryChainResult(Model):
    """The analysed chain: ``stocktake chain`` output."""

    kind: Literal["DeliveryChainResult"]
    schema_version: SchemaVersion
    engine: EngineRef
    inputs: list[InputFile]
    chain: dict[str, str]
    """id, priority and title of the chain (as :class:`ChainNamed`)."""
    detectors: list[DetectorUsed]
    judgment: Judgment
    findings: list[DetectorFinding]
    evidence: dict[str, Evidence]
    summary: ChainSummary
    failures: list[PluginFailure] = Field(default_factory=list)

    def _repr_html_(self) -> str:
        """The analysis as a notebook shows it (no diagram: the result does not hold the chain's actors)."""
        from stocktake.chains.views import chain_html
        from stocktake.core.notebook import notebook_frame

        return notebook_frame(chain_html(None, self))

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> DeliveryChainResult:
        """What a result edited by hand may break: the chain's names, the judgment's subject and
        levels, the findings' levels (on the judgment's scale)."""
        ChainNamed.check(self.chain)
        scale = check_judgment(self.judgment, context_scales(info.context), ("judgment",))
        for i, finding in enumerate(self.findings):
            check_level(finding.level, scale, ("findings", i, "level"))
        return self


class ChainNamed(Model):
    """The ``chain`` of a result: what the chain document says it is."""

    id: Id
    priority: Id
    title: Text

    @classmethod
    def check(cls, chain: dict[str, str]) -> None:
        """Raise the located error if ``chain`` (at ``$.chain``) is not such a mapping."""
        for name in ("id", "priority", "title"):
            if name not in chain:
                raise invalid(f"property {name!r}", "a mapping without it", path=("chain",))
        extra = sorted(set(chain) - {"id", "priority", "title"})
        if extra:
            raise invalid("no such property", f"unknown property {extra[0]!r}", path=("chain", extra[0]), on_key=True)
        from pydantic import ValidationError

        try:
            cls.model_validate(chain)
        except ValidationError as err:
            first = err.errors()[0]
            name = str(first["loc"][0])
            raise invalid(f"{first['msg'][:1].lower()}{first['msg'][1:]}", repr(chain[name]),
                          path=("chain", name)) from None
