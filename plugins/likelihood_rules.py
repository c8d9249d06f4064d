"""Built-in rule sets: the decision tables in ``plugins/rulesets/`` (shipped in the wheel)."""

from __future__ import annotations

from pathlib import Path

from stocktake import hookimpl
from stocktake.hooks.registry import Registrar

RULESETS = Path(__file__).resolve().parent / "rulesets"


@hookimpl
def stocktake_register_rule_sets(registry: Registrar) -> None:
    registry.add_rule_set(RULESETS)
    registry.declare_default("rule-set", "likelihood-default")
    registry.declare_default("severity-rule-set", "severity-default")
