"""Built-in scales: the four-point delivery scale, degree of challenge, stage of delivery, severity.

Levels are listed from the top of each scale (best, least challenging, most advanced) to the
bottom. Meanings are the project's wording; the field guide fixes the four-point delivery scale
("no middle, so the judgment is forced") but not the words for each level.
"""

from __future__ import annotations

from typing import Any

from stocktake import hookimpl
from stocktake.hooks.registry import Registrar

DELIVERY: dict[str, Any] = {
    "id": "delivery",
    "title": "Four-point delivery scale",
    "description": (
        "Green, Amber-Green, Amber-Red, Red. Four levels and no middle, so every rating is a "
        "real judgment on which side of the line something falls."
    ),
    "levels": [
        {"code": "G", "label": "Green", "score": 4,
         "aliases": ["Green"],
         "meaning": "Good practice is in place and working; keep it going."},
        {"code": "AG", "label": "Amber-Green", "score": 3,
         "aliases": ["YG", "Amber-Green", "Amber/Green", "Amber Green", "Yellow-Green"],
         "meaning": "Largely in place with some gaps; improvement needed but not urgent."},
        {"code": "AR", "label": "Amber-Red", "score": 2,
         "aliases": ["YR", "Amber-Red", "Amber/Red", "Amber Red", "Yellow-Red"],
         "meaning": "Significant gaps; substantial work needed soon."},
        {"code": "R", "label": "Red", "score": 1,
         "aliases": ["Red"],
         "meaning": "Little or nothing in place; urgent action needed."},
    ],
}

CHALLENGE: dict[str, Any] = {
    "id": "challenge",
    "title": "Degree of delivery challenge",
    "description": (
        "How hard the target is to deliver: size of the gap, complexity of the delivery chain, "
        "dependence on factors outside the system's control, resistance. Listed from the least "
        "challenging (top) to the most."
    ),
    "levels": [
        {"code": "L", "label": "Low", "score": 1, "aliases": ["Low"],
         "meaning": "Small gap, short chain, few outside dependencies."},
        {"code": "M", "label": "Medium", "score": 2, "aliases": ["Medium", "Med"],
         "meaning": "A real gap or a chain of several levels, but a familiar kind of change."},
        {"code": "H", "label": "High", "score": 3, "aliases": ["High"],
         "meaning": "A large gap, a long or fragmented chain, or strong outside dependencies."},
        {"code": "VH", "label": "Very high", "score": 4, "aliases": ["Very high", "Very-high"],
         "meaning": "Unprecedented change through a long chain with much outside the system's control."},
    ],
}

STAGE: dict[str, Any] = {
    "id": "stage",
    "title": "Stage of delivery",
    "description": (
        "How far delivery has progressed, from 4 (most advanced) to 1. The field guide names a "
        "four-point stage scale but not its labels; these labels are the project's wording."
    ),
    "levels": [
        {"code": "4", "label": "Embedded", "score": 4, "aliases": ["Stage 4"],
         "meaning": "Results are visible in the data and the change is becoming irreversible."},
        {"code": "3", "label": "Producing results", "score": 3, "aliases": ["Stage 3"],
         "meaning": "Implementation is under way and should be showing in leading indicators and data."},
        {"code": "2", "label": "Early implementation", "score": 2, "aliases": ["Stage 2"],
         "meaning": "Plans and the delivery chain are being put in place; little data on results yet."},
        {"code": "1", "label": "Policy development", "score": 1, "aliases": ["Stage 1"],
         "meaning": "The strategy is being designed; implementation has not started."},
    ],
}

SEVERITY: dict[str, Any] = {
    "id": "severity",
    "title": "Severity of a delivery problem",
    "description": (
        "How hard the centre should lean on a priority, from leaving it to its owners (top) to "
        "running it as a crisis. The delivery unit's escalation ladder (module 4B: from increased "
        "scrutiny to full-blown crisis management); the words are the project's."
    ),
    "levels": [
        {"code": "on-track", "label": "On track", "score": 1, "aliases": ["On track"],
         "meaning": "No sign of a problem; the routine stocktake and delivery report are enough."},
        {"code": "scrutiny", "label": "Increased scrutiny", "score": 2, "aliases": ["Increased scrutiny"],
         "meaning": "Early signs of a problem: the delivery unit asks for more frequent data and checks the plan."},
        {"code": "intervention", "label": "Intervention", "score": 3, "aliases": ["Intervene"],
         "meaning": "A real problem: the delivery unit and the department agree a recovery plan with named owners."},
        {"code": "crisis", "label": "Crisis management", "score": 4, "aliases": ["Crisis management"],
         "meaning": "Delivery is failing: the system leader takes it in hand, meeting often until it recovers."},
    ],
}


@hookimpl
def stocktake_register_scales(registry: Registrar) -> None:
    for scale in (DELIVERY, CHALLENGE, STAGE, SEVERITY):
        registry.add_scale(scale)
    registry.declare_default("chain-scale", DELIVERY["id"])
