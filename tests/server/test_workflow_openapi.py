"""The workflow's part of the OpenAPI document (``workflow_api.openapi_parts``): every route with a
body describes it by its model's JSON Schema, every operation names the refusals it can answer
(403, 404, 409 ...), the sign-off ``{action}`` is an enum of the actions, and every reference
resolves."""

from __future__ import annotations

import json
import re

from stocktake.server.workflow.model import ACTIONS, AgreedIn, RatingsIn, ReasonIn, ReviewCreate
from stocktake.server.workflow_api import ROUTES, openapi_parts


def test_each_workflow_route_describes_its_body_its_refusals_and_its_parameters():
    paths, components = openapi_parts()
    assert set(paths) == {route.path for route in ROUTES}
    bodies = {(m, p): op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
              for p, ops in paths.items() for m, op in ops.items() if "requestBody" in op}
    assert bodies == {
        ("post", "/v1/reviews"): "Workflow.ReviewCreate",
        ("post", "/v1/reviews/{review_id}/evidence"): "Workflow.EvidenceIn",
        ("put", "/v1/reviews/{review_id}/ratings/{reviewer}"): "Workflow.RatingsIn",
        ("post", "/v1/reviews/{review_id}/ratings/{reviewer}/submit"): "Workflow.ReasonIn",
        ("post", "/v1/reviews/{review_id}/ratings/{reviewer}/reopen"): "Workflow.ReasonIn",
        ("put", "/v1/reviews/{review_id}/agreed/{component}"): "Workflow.AgreedIn",
        ("post", "/v1/reviews/{review_id}/{action}"): "Workflow.ReasonIn"}
    for model in (ReviewCreate, RatingsIn, AgreedIn, ReasonIn):
        assert set(components[f"Workflow.{model.__name__}"]["properties"]) == set(model.model_json_schema()["properties"])
    for ops in paths.values():
        for op in ops.values():
            assert {"401", "403", "404", "409"} <= set(op["responses"])
    (action,) = [p for p in paths["/v1/reviews/{review_id}/{action}"]["post"]["parameters"] if p["name"] == "action"]
    assert action["schema"]["enum"] == list(ACTIONS)
    text = json.dumps([paths, components])
    assert set(re.findall(r'"#/components/schemas/([^"]+)"', text)) <= {*components, "Error"}
