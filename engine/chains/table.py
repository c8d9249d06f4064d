"""An analysed chain as rows of the flat table (:mod:`stocktake.judgment.table`)."""

from __future__ import annotations

from stocktake.chains.result import DeliveryChainResult
from stocktake.judgment.table import Row, joined, judgment_row, row

__all__ = ["NOT_CAPPING", "chain_rows"]

NOT_CAPPING = "does-not-cap"
"""The flag of a finding row whose finding is noted beside the chain's level without capping it."""


def chain_rows(result: DeliveryChainResult) -> list[Row]:
    """The chain's judgment (aspect ``chain``), then one row per detector finding in the result's
    order (aspect ``finding``), all of the chain's subject with its priority as parent. A finding's
    row: code ``detector/code`` (as the judgment's inputs name it), its level as level and
    computed, its message as because, the actors and links it names as inputs (``actor=ID``,
    ``link=FROM->TO``), the detector as rule; flagged :data:`NOT_CAPPING` when it does not cap the
    chain. The findings are rows because they are what a planner acts on, one weak point each."""
    judgment = result.judgment
    subject, parent = str(judgment.subject), f"priority:{result.chain['priority']}"
    rows = [judgment_row(judgment, aspect="chain", parent=parent)]
    detectors = {d.id: d for d in result.detectors}
    for finding in result.findings:
        detector = detectors.get(finding.detector)
        rows.append(row(
            subject=subject, aspect="finding", code=f"{finding.detector}/{finding.code}", title=judgment.title,
            parent=parent, level=finding.level, computed=finding.level, flags="" if finding.caps else NOT_CAPPING,
            because=finding.message, evidence=joined(sorted(finding.evidence)),
            inputs=joined([*(f"actor={a}" for a in finding.actors), *(f"link={link}" for link in finding.links)]),
            scale=judgment.scale, rule=finding.detector, rule_version=detector.version if detector else "",
            rule_plugin=detector.plugin if detector else ""))
    return rows
