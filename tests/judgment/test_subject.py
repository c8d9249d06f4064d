"""A judgment's subject is typed (kind and id) and still text in every document."""

from __future__ import annotations

import json

from stocktake.judgment.model import Judgment, RuleRef, Subject


def test_a_subject_has_a_kind_and_an_id_and_serialises_as_text():
    subject = Subject.of("component", "3A.x:y")
    assert (subject.kind, subject.id) == ("component", "3A.x:y")
    judgment = Judgment(subject="section:stage-1", title="t", scale="delivery", state="rated", rating="G",
                        computed="G", rule=RuleRef(plugin="p", id="r", version="1"), because="b")
    assert isinstance(judgment.subject, Subject) and judgment.subject.kind == "section"
    assert json.loads(judgment.model_dump_json())["subject"] == "section:stage-1"
    assert Judgment.model_json_schema()["properties"]["subject"]["type"] == "string"
