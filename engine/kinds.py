"""The document kinds Stocktake reads: each maps ``kind`` to a model and a published schema.

The file formats are the engine's public contract, so the kinds are the engine's, listed here at
the top of the package (plugins add rubrics, scales and behaviour, not new file formats). Each
entry holds small functions that import their module when called, so naming a kind or loading
another kind imports nothing else (validating a rubric imports no chain model, no networkx).
The facade passes this table to the core's loader and schema functions.

``python -m stocktake.kinds`` regenerates ``schemas/`` from the models in a source checkout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stocktake.chains.loading import prepare_chain
from stocktake.core.schemas import DocumentKind
from stocktake.review.loading import prepare_review

ASSESSMENT_BYTES = 16 * 1024 * 1024
"""Largest ``DeliveryAssessment`` at the default size limit: judging one takes about 50 times its
size in memory (measured: 44 MB, 21,000 priorities, 2.1 GB), so 16 MiB keeps a judgment inside
1 GiB. Larger sets of priorities go in a JSON Lines batch, which is streamed."""

if TYPE_CHECKING:
    from stocktake.core.models import Model

__all__ = ["KINDS", "DocumentKind", "import_every_module"]


def _rubric() -> type[Model]:
    from stocktake.rubric.model import Rubric

    return Rubric


def _capacity_review() -> type[Model]:
    from stocktake.review.model import CapacityReview

    return CapacityReview


def _rule_set() -> type[Model]:
    from stocktake.likelihood.ruleset import RuleSet

    return RuleSet


def _delivery_assessment() -> type[Model]:
    from stocktake.likelihood.model import DeliveryAssessment

    return DeliveryAssessment


def _delivery_chain() -> type[Model]:
    from stocktake.chains.model import DeliveryChain

    return DeliveryChain


def _delivery_chain_result() -> type[Model]:
    from stocktake.chains.result import DeliveryChainResult

    return DeliveryChainResult


def _delivery_assessment_result() -> type[Model]:
    from stocktake.likelihood.result import DeliveryAssessmentResult

    return DeliveryAssessmentResult


def _capacity_review_result() -> type[Model]:
    from stocktake.review.result import CapacityReviewResult

    return CapacityReviewResult


def _delivery_report() -> type[Model]:
    from stocktake.report.model import DeliveryReport

    return DeliveryReport


def _review_rubric(data: Any) -> tuple[str, str] | None:
    from stocktake.rubric.model import rubric_named

    return rubric_named(data)


def _assessment_rubric(data: Any) -> tuple[str, str] | None:
    from stocktake.likelihood.model import DEFAULT_RUBRIC
    from stocktake.rubric.model import rubric_named

    return rubric_named(data, DEFAULT_RUBRIC)


KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        DocumentKind(
            "Rubric", _rubric, "rubric.schema.json",
            "a versioned rubric: sections, components, criteria, level descriptors",
        ),
        DocumentKind(
            "CapacityReview", _capacity_review, "capacity-review.schema.json",
            "a joint team's ratings of a rubric's components, with reviewers and evidence",
            prepare=prepare_review, rubric=_review_rubric,
        ),
        DocumentKind(
            "RuleSet", _rule_set, "rule-set.schema.json",
            "a decision table as data: inputs, rules of conditions on levels and states, a hit policy",
        ),
        DocumentKind(
            "DeliveryAssessment", _delivery_assessment, "delivery-assessment.schema.json",
            "priorities with targets, trajectories, actuals, category ratings and previous judgments",
            rubric=_assessment_rubric, max_bytes=ASSESSMENT_BYTES,
            larger="; judge more priorities as a JSON Lines batch (one priority per line), which is streamed",
        ),
        DocumentKind(
            "DeliveryChain", _delivery_chain, "delivery-chain.schema.json",
            "the actors and links from the centre to the front line, with levers and strengths",
            prepare=prepare_chain,
        ),
        DocumentKind(
            "DeliveryChainResult", _delivery_chain_result, "delivery-chain-result.schema.json",
            "an analysed delivery chain: findings of each detector and the chain's judgment",
        ),
        DocumentKind(
            "DeliveryAssessmentResult", _delivery_assessment_result, "delivery-assessment-result.schema.json",
            "judged priorities: likelihood with trails, trajectory analysis, league table",
        ),
        DocumentKind(
            "CapacityReviewResult", _capacity_review_result, "capacity-review-result.schema.json",
            "a scored capacity review: judgments with evidence trails, summary and movement",
        ),
        DocumentKind(
            "DeliveryReport", _delivery_report, "delivery-report.schema.json",
            "reviews, likelihood judgments and chains joined for a system leader, with their results",
        ),
    )
}
"""Every document kind, by name."""


def import_every_module() -> None:
    """Import every module of the package (but ``__main__``), so that every model is loaded."""
    import importlib
    import pkgutil
    from pathlib import Path

    for module in pkgutil.walk_packages([str(Path(__file__).parent)], "stocktake."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)


def _write_generated() -> None:
    """Regenerate ``schemas/`` and the models' field descriptions (:mod:`stocktake.core.field_docs`)
    from the models, their docstrings read from source (run with ``FROM_SOURCE`` set)."""
    import sys

    from stocktake.core.field_docs import TABLE, extracted_field_docs, table_text
    from stocktake.core.models import Model
    from stocktake.core.resources import data_dir
    from stocktake.core.schemas import write_schemas

    import_every_module()
    TABLE.write_text(table_text(extracted_field_docs(Model)), encoding="utf-8")
    print(TABLE, file=sys.stderr)
    for written in write_schemas(data_dir("schemas"), KINDS):
        print(written, file=sys.stderr)


if __name__ == "__main__":  # python -m stocktake.kinds: regenerate schemas/ and _compiled.json in a checkout
    import os
    import subprocess
    import sys

    from stocktake.core.field_docs import FROM_SOURCE

    if FROM_SOURCE:
        _write_generated()
    else:  # again, in a process whose models read their docstrings from source
        done = subprocess.run([sys.executable, "-m", "stocktake.kinds"],
                              env={**os.environ, "STOCKTAKE_FIELD_DOCS_FROM_SOURCE": "1"})
        # and the templates' precompiled source, generated by the views' own module (no builder imports it)
        sys.exit(done.returncode or subprocess.run([sys.executable, "-m", "stocktake.core.markup"]).returncode)
