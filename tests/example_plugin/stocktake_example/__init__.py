"""An example Stocktake plugin: one scale, one rubric."""

from importlib.resources import files

from stocktake import hookimpl

FIVE_POINT = {
    "id": "dca-five-point",
    "title": "Delivery confidence (five-point)",
    "description": "A five-level confidence scale with a middle level, for comparison with the four-point scale.",
    "levels": [
        {"code": "G", "label": "Green", "score": 5, "meaning": "Successful delivery highly likely."},
        {"code": "AG", "label": "Amber/Green", "score": 4, "meaning": "Successful delivery probable."},
        {"code": "A", "label": "Amber", "score": 3, "meaning": "Successful delivery feasible; significant issues."},
        {"code": "AR", "label": "Amber/Red", "score": 2, "meaning": "Successful delivery in doubt."},
        {"code": "R", "label": "Red", "score": 1, "meaning": "Successful delivery appears unachievable."},
    ],
}


@hookimpl
def stocktake_register_scales(registry):
    registry.add_scale(FIVE_POINT)


@hookimpl
def stocktake_register_rubrics(registry):
    registry.add_rubric(files("stocktake_example") / "rubrics")
