"""The ``DeliveryReport``: capacity reviews, likelihood judgments and delivery chains joined for a
system leader (``stocktake report`` output, JSON for tools; the same data renders as HTML and
Markdown). It holds the full results, so nothing in the report lacks its evidence trail.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from stocktake.chains.result import DeliveryChainResult
from stocktake.core.models import Date, Model, SchemaVersion, invalid, unique_ids
from stocktake.judgment.checked import check_level, context_scales
from stocktake.judgment.envelope import EngineRef, InputFile
from stocktake.likelihood.result import DeliveryAssessmentResult
from stocktake.review.result import CapacityReviewResult

__all__ = ["ChainDrawing", "DeliveryReport", "DrawnActor", "DrawnLink", "PrioritySummary",
           "ReportChain", "ReportSummary", "ReviewSummaryRow", "Trend", "TrendPoint"]


class DrawnActor(Model):
    """What the diagram needs of an actor."""

    id: str
    name: str
    level: int
    role: str
    count: int = 1


class DrawnLink(Model):
    """What the diagram needs of a link."""

    from_: str = Field(alias="from")
    to: str
    levers: list[str]
    strength: str

    @property
    def key(self) -> str:
        return f"{self.from_}->{self.to}"


class ChainDrawing(Model):
    """The actors and links of a chain, kept so the report (and tools) can draw it."""

    actors: list[DrawnActor] = Field(min_length=1)
    links: list[DrawnLink]

    @model_validator(mode="after")
    def _check(self) -> ChainDrawing:
        """Actor ids unique; every link between two of them (a report edited by hand may not be)."""
        ids = set(unique_ids(self.actors, "actors", "actor ids unique"))
        for i, link in enumerate(self.links):
            for end, value in (("from", link.from_), ("to", link.to)):
                if value not in ids:
                    raise invalid("an actor id of the drawing's 'actors'", repr(value), path=("links", i, end))
        return self


class ReportChain(Model):
    """An analysed chain, with its drawing when the chain document (not only its result) was given
    and it is small enough to draw."""

    result: DeliveryChainResult
    drawing: ChainDrawing | None = None


class PrioritySummary(Model):
    """One row of the report's summary: a priority's likelihood beside its chain's judgment."""

    id: str
    title: str
    owner: str
    rating: str | None
    """The likelihood of delivery (the agreed level where there is one)."""
    agreed: bool
    previous: str | None
    movement: Literal["up", "down", "same", "new"]
    distance_to_target: float | None
    unit: str
    latest: str
    """The latest actual against the trajectory: ``above``, ``within``, ``below`` or ``no-data``."""
    chain: str | None
    """Id of the priority's delivery chain, if one was given."""
    chain_rating: str | None
    severity: str | None = None
    """The severity classification's level (None: not classified)."""


class ReviewSummaryRow(Model):
    """One capacity review in the summary: its levels and movement since its baseline."""

    system: str
    date: Date
    baseline_date: Date | None
    counts: dict[str, int]
    movement: dict[str, int] | None
    weakest: list[str]
    """Titles of the components at the lowest level present."""
    declined: list[str]
    """Titles of components that declined since the baseline."""


class ReportSummary(Model):
    priorities: list[PrioritySummary]
    """In league-table order: likelihood, then movement, then distance to target."""
    reviews: list[ReviewSummaryRow]
    chains_without_priority: list[str]
    """Chains whose priority is not in the report's assessment."""


class TrendPoint(Model):
    """One judgment of a subject in its history: an assessment period's likelihood or a capacity
    review's level of a component."""

    period: str | None = None
    """The assessment's period (None for a capacity review, which has a date only)."""
    date: Date | None = None
    level: str | None
    """The level that stood (None: not rated)."""
    rule: str | None = None
    """The id of the rule (rule set, aggregation strategy) that decided."""


class Trend(Model):
    """A subject's levels across past periods or reviews, oldest first, ending with this report's."""

    subject: str
    """``priority:ID`` or ``component:ID``."""
    title: str
    system: str | None = None
    """For a component: the system of the capacity review it belongs to."""
    levels: list[str] = Field(min_length=2)
    """The scale's level codes, top first (where a chart places each point)."""
    points: list[TrendPoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Trend:
        """Every point's level is one of the scale's."""
        for i, point in enumerate(self.points):
            if point.level is not None and point.level not in self.levels:
                raise invalid(f"one of the trend's levels ({', '.join(self.levels)}) or null", repr(point.level),
                              path=("points", i, "level"))
        return self


class DeliveryReport(Model):
    """Everything a delivery report shows, with the results it was built from."""

    kind: Literal["DeliveryReport"]
    schema_version: SchemaVersion
    engine: EngineRef
    title: str
    date: Date | None
    """The latest date of any review or assessment: the day the report speaks for (None for a
    report of chains only, which carry no date)."""
    inputs: list[InputFile]
    """Every file given (and each table they pulled in), by path, with its content hash."""
    summary: ReportSummary
    assessment: DeliveryAssessmentResult | None = None
    """The latest assessment, judged with the earlier one as its previous judgments."""
    reviews: list[CapacityReviewResult] = Field(default_factory=list)
    """The latest capacity review of each system, with movement since the review before it."""
    chains: list[ReportChain] = Field(default_factory=list)
    """In the order of the assessment's priorities, then by id."""
    trends: list[Trend] = Field(default_factory=list)
    """Each priority's likelihood across past periods (league order), then each review's components
    across past reviews (rubric order), from the history the report was built with (a ledger);
    none when it was built without one."""

    def _repr_html_(self) -> str:
        """The report as a notebook shows it: the HTML page, in a frame."""
        from stocktake.core.notebook import notebook_frame
        from stocktake.report.views import report_html

        return notebook_frame(report_html(self))

    @model_validator(mode="after")
    def _check_summary(self, info: ValidationInfo) -> DeliveryReport:
        """Each summary row is a priority of the report's assessment, rated on its judgment's scale."""
        judged = {p.id: p.judgment for p in self.assessment.priorities} if self.assessment is not None else {}
        scales = context_scales(info.context) or {}
        for i, row in enumerate(self.summary.priorities):
            path = ("summary", "priorities", i)
            judgment = judged.get(row.id)
            if judgment is None:
                raise invalid("a priority of the report's assessment", repr(row.id), path=(*path, "id"))
            check_level(row.rating, scales.get(judgment.scale), (*path, "rating"))
        return self
