"""The document kinds Stocktake reads: each maps ``kind`` to a model and a published schema.

The file formats are the engine's public contract, so the kinds live here in the core (plugins
add rubrics, scales and behaviour, not new file formats).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stocktake.core.models import Model

__all__ = ["KINDS", "DocumentKind"]


@dataclass(frozen=True)
class DocumentKind:
    """One ``kind`` of document: its model, its schema file and what it is for."""

    name: str
    """The value of ``kind`` in the document."""
    model_path: str
    """``module:Class`` of the pydantic model (imported on first use)."""
    schema_file: str
    """File name in ``schemas/``."""
    summary: str
    """One line saying what the document holds."""
    prepare: str | None = None
    """``module:function`` that pulls referenced files into the data before validation (see
    :func:`stocktake.core.loading.load_document`)."""

    def prepare_function(self) -> Any:
        """The prepare step, or None."""
        if self.prepare is None:
            return None
        module, _, name = self.prepare.partition(":")
        return getattr(importlib.import_module(module), name)

    def model(self) -> type[Model]:
        """The pydantic model class."""
        module, _, name = self.model_path.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        DocumentKind(
            "Rubric",
            "stocktake.rubric.model:Rubric",
            "rubric.schema.json",
            "a versioned rubric: sections, components, criteria, level descriptors",
        ),
        DocumentKind(
            "CapacityReview",
            "stocktake.review.model:CapacityReview",
            "capacity-review.schema.json",
            "a joint team's ratings of a rubric's components, with reviewers and evidence",
            prepare="stocktake.review.scoring:prepare_review",
        ),
        DocumentKind(
            "RuleSet",
            "stocktake.likelihood.ruleset:RuleSet",
            "rule-set.schema.json",
            "a decision table as data: inputs, rules of conditions on levels and states, a hit policy",
        ),
        DocumentKind(
            "DeliveryAssessment",
            "stocktake.likelihood.model:DeliveryAssessment",
            "delivery-assessment.schema.json",
            "priorities with targets, trajectories, actuals, category ratings and previous judgments",
        ),
        DocumentKind(
            "DeliveryChain",
            "stocktake.chains.model:DeliveryChain",
            "delivery-chain.schema.json",
            "the actors and links from the centre to the front line, with levers and strengths",
            prepare="stocktake.chains.analysis:prepare_chain",
        ),
        DocumentKind(
            "DeliveryChainResult",
            "stocktake.chains.result:DeliveryChainResult",
            "delivery-chain-result.schema.json",
            "an analysed delivery chain: findings of each detector and the chain's judgment",
        ),
        DocumentKind(
            "DeliveryAssessmentResult",
            "stocktake.likelihood.result:DeliveryAssessmentResult",
            "delivery-assessment-result.schema.json",
            "judged priorities: likelihood with trails, trajectory analysis, league table",
        ),
        DocumentKind(
            "CapacityReviewResult",
            "stocktake.review.result:CapacityReviewResult",
            "capacity-review-result.schema.json",
            "a scored capacity review: judgments with evidence trails, summary and movement",
        ),
        DocumentKind(
            "DeliveryReport",
            "stocktake.report.model:DeliveryReport",
            "delivery-report.schema.json",
            "reviews, likelihood judgments and chains joined for a system leader, with their results",
        ),
    )
}
"""Every document kind, by name."""
