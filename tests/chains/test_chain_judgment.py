"""What the chain's judgment means (issue 14, items 12-14): single points of failure that matter,
every weak link found and called by one word, and beneficiaries in or out of the judgment.

Principles: domain.md 3.2-3.3 (weak links, single points of failure; the chain is as strong as its
weakest necessary link, never a mean), seed 004 (the chain ends with the citizens who benefit) and
the EDI definition (it ends with changed practice at the front line)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from stocktake.chains.analysis import ChainFinding
from stocktake.testing import make_engine

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chain.yaml"
EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "northshire" / "chains").glob("*.yaml"))
EVIDENCE = [{"id": "E", "kind": "interview", "source": "Interviews"}]


def actor(id: str, level: int, role: str, **extra) -> dict:
    return {"id": id, "name": id.title(), "level": level, "role": role, **extra}


def link(a: str, b: str, strength: str = "G", levers: tuple[str, ...] = ("support",), **extra) -> dict:
    return {"from": a, "to": b, "levers": list(levers), "strength": strength, "evidence": ["E"], **extra}


def feedback(a: str, b: str, strength: str = "G") -> dict:
    return link(a, b, strength, ("information",))


def document(actors: list[dict], links: list[dict], **settings) -> dict:
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "c", "priority": "p", "title": "C",
            "evidence": EVIDENCE, "actors": actors, "links": links, **({"settings": settings} if settings else {})}


def analyse(tmp_path, doc: dict):
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(doc))
    return make_engine().chain(path)


def draw(run, tmp_path, doc: dict, fmt: str = "mermaid") -> str:
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(doc))
    out = run("chain", str(path), "--format", fmt)
    assert out.exit_code == 0, out.stderr
    return out.stdout


def coded(result, code: str) -> list:
    return [f for f in result.findings if f.code == code]


def one_office(office: dict | None = None, to_office: str = "G") -> dict:
    """Centre -> one office -> 100 schools, with feedback both ways up and evidence for every link."""
    return document(
        [actor("dept", 0, "centre"), office or actor("office", 1, "intermediary", capacity="G", will="G"),
         actor("schools", 2, "front-line", count=100)],
        [link("dept", "office", to_office), link("office", "schools"), feedback("schools", "office"),
         feedback("office", "dept")])


# -- 12. single points of failure that mean something --------------------------------------------------

def test_a_short_strong_chain_through_one_office_can_be_green(tmp_path):
    result = analyse(tmp_path, one_office())
    assert result.judgment.rating == "G", result.judgment.because
    (spof,) = coded(result, "single-point-of-failure")  # still reported, once: it is a concentration
    assert spof.actors == ["office"] and spof.caps is False


def test_each_single_point_of_failure_is_reported_once_with_its_front_line_and_units():
    result = make_engine().chain(FIXTURE)
    codes = {f.code for f in result.findings}
    assert not codes & {"single-link", "single-link-to-front-line"}  # the same route, told once
    spofs = coded(result, "single-point-of-failure")
    assert len({f.actors[0] for f in spofs}) == len(spofs)
    north = next(f for f in spofs if f.actors == ["north"])
    # north leads to S1, S2, S3 and S5 (S4 is unreachable): 40 + 35 + 12 + 20 schools
    assert north.count == 4 and "107 units" in north.message and north.links == ["dept->north"]
    # most front-line actors first, then most units (schools), then id
    assert [f.actors[0] for f in spofs] == ["north", "D1", "D2", "D6", "south", "D5", "D3"]


def test_a_single_point_of_failure_carrying_half_the_front_line_on_a_route_below_green_caps(tmp_path):
    result = analyse(tmp_path, one_office(to_office="AG"))
    (spof,) = coded(result, "single-point-of-failure")
    assert spof.caps is True and spof.level == "AG"
    unrated = analyse(tmp_path, one_office(office=actor("office", 1, "intermediary")))
    (spof,) = coded(unrated, "single-point-of-failure")  # missing capacity is never strong
    assert spof.caps is True and unrated.judgment.rating == "AG"


def small_and_weak() -> dict:
    """dept -> big (G, G) -> 90 schools; dept -> small -> 10 schools; small's capacity is AR."""
    return document(
        [actor("dept", 0, "centre"), actor("big", 1, "intermediary", capacity="G", will="G"),
         actor("small", 1, "intermediary", capacity="AR", will="G"),
         actor("s-big", 2, "front-line", count=90), actor("s-small", 2, "front-line", count=10)],
        [link("dept", "big"), link("dept", "small"), link("big", "s-big"), link("small", "s-small"),
         feedback("s-big", "big"), feedback("s-small", "small"), feedback("big", "dept"), feedback("small", "dept")])


def test_a_weak_single_point_of_failure_matters_whatever_its_share_and_is_the_only_one_marked(run, tmp_path):
    result = analyse(tmp_path, small_and_weak())
    spofs = {f.actors[0]: f for f in coded(result, "single-point-of-failure")}
    assert spofs["small"].caps is True and "10 units" in spofs["small"].message
    assert spofs["big"].caps is False  # strong, though it carries 90% of the front line
    mermaid = draw(run, tmp_path, small_and_weak())
    assert re.search(r'n_small\[\["Small SPOF"\]\]', mermaid) and "Big SPOF" not in mermaid
    dot = draw(run, tmp_path, small_and_weak(), "dot")
    assert dot.count("peripheries=2") == 1


def test_a_weak_only_way_in_makes_a_single_point_of_failure_matter(tmp_path):
    doc = small_and_weak()
    doc["actors"][2]["capacity"] = "G"
    doc["links"][1]["strength"] = "AR"  # dept -> small
    spofs = {f.actors[0]: f for f in coded(analyse(tmp_path, doc), "single-point-of-failure")}
    assert spofs["small"].caps is True and "dept->small" in spofs["small"].message


def test_the_share_that_makes_a_single_point_of_failure_matter_is_a_setting(tmp_path):
    doc = small_and_weak()
    doc["actors"][2]["capacity"] = "G"
    doc["links"][0]["strength"] = doc["links"][1]["strength"] = "AG"
    spofs = {f.actors[0]: f.caps for f in coded(analyse(tmp_path, doc), "single-point-of-failure")}
    assert spofs == {"big": True, "small": False}  # 90% and 10% of the front line, at the default half
    doc["settings"] = {"spof_share": 0.05}
    spofs = {f.actors[0]: f.caps for f in coded(analyse(tmp_path, doc), "single-point-of-failure")}
    assert spofs == {"big": True, "small": True}


def test_findings_that_do_not_cap_leave_the_judgment_alone_and_say_so(tmp_path, run):
    result = analyse(tmp_path, one_office())
    assert result.judgment.rating == "G" and result.judgment.decided_by == []
    md = draw(run, tmp_path, one_office(), "md")
    assert "| Caps |" in md and re.search(r"\| AG \| single-points-of-failure \| .* \| no \|", md)


# -- 13. every weak link is found, and "weak" means one thing --------------------------------------------

def two_routes(secondary: str = "AR") -> dict:
    """dept -> a -> schools at G, and a second route dept -> b -> schools with b -> schools at ``secondary``."""
    return document(
        [actor("dept", 0, "centre"), actor("a", 1, "intermediary", capacity="G", will="G"),
         actor("b", 1, "intermediary", capacity="G", will="G"), actor("schools", 2, "front-line")],
        [link("dept", "a"), link("dept", "b"), link("a", "schools"), link("b", "schools", secondary),
         feedback("schools", "a"), feedback("a", "dept"), feedback("b", "dept")])


def test_a_weak_link_on_a_secondary_route_is_found_without_capping(tmp_path):
    result = analyse(tmp_path, two_routes())
    (weak,) = coded(result, "weak-link")
    assert weak.links == ["b->schools"] and weak.level == "AR" and weak.caps is False
    assert "stronger route" in weak.message
    assert result.judgment.rating == "G"


def test_weak_link_is_only_said_of_links_at_AR_or_R(tmp_path):
    doc = two_routes()
    doc["links"][2]["strength"] = "AG"  # a -> schools: the strongest route is now AG
    doc["links"][3]["strength"] = "AG"
    result = analyse(tmp_path, doc)
    assert not coded(result, "weak-link")
    (moderate,) = coded(result, "moderate-link")
    assert moderate.level == "AG" and moderate.caps is True and result.judgment.rating == "AG"
    assert "weak" not in moderate.message


def weak_words(dot: str) -> set[str]:
    """The links a DOT diagram calls weak, as ``from->to``."""
    return {f"{a}->{b}" for a, b in re.findall(r'"([^"]+)" -> "([^"]+)" \[label="[^"]* weak"', dot)}


@pytest.mark.parametrize("path", [FIXTURE, *EXAMPLES], ids=lambda p: p.stem)
def test_every_link_the_diagram_calls_weak_is_a_weak_link_finding_and_the_reverse(run, path):
    result = make_engine().chain(path)
    found = {k for f in coded(result, "weak-link") for k in f.links}
    out = run("chain", str(path), "--format", "dot")
    assert weak_words(out.stdout) == found
    assert all(f.level in ("AR", "R") for f in coded(result, "weak-link"))


def test_the_example_chain_reports_its_weak_feedback_link(run):
    reading = next(p for p in EXAMPLES if p.stem == "reading")
    result = make_engine().chain(reading)
    weak = {k: f for f in coded(result, "weak-link") for k in f.links}
    assert weak["d-west->s-west"].caps is True
    assert weak["s-west->d-west"].caps is False and "back" in weak["s-west->d-west"].message


# -- 14. beneficiaries ---------------------------------------------------------------------------------

def with_families(**settings) -> dict:
    doc = one_office()
    doc["actors"].append(actor("families", 3, "beneficiary", count=5000))
    doc["links"].append({"from": "schools", "to": "families", "levers": ["support"], "strength": "AR"})
    if settings:
        doc["settings"] = settings
    return doc


def test_links_to_beneficiaries_are_drawn_but_not_judged_by_default(run, tmp_path):
    result = analyse(tmp_path, with_families())
    assert result.judgment.rating == "G", result.judgment.because
    assert not any("families" in f.actors or any("families" in k for k in f.links) for f in result.findings)
    mermaid = draw(run, tmp_path, with_families())
    assert '"AR support not judged"' in mermaid


def test_beneficiaries_are_judged_as_the_chains_end_when_the_setting_says_so(tmp_path):
    result = analyse(tmp_path, with_families(beneficiaries="judged"))
    weak = {k: f for f in coded(result, "weak-link") for k in f.links}
    assert weak["schools->families"].caps is True and result.judgment.rating == "AR"
    assert any("schools->families" in f.links for f in coded(result, "unevidenced-link"))
    spofs = {f.actors[0] for f in coded(result, "single-point-of-failure")}
    assert "schools" in spofs  # every route to the families passes their schools


# -- the finding's contract: caps is optional and checked ----------------------------------------------

def test_a_finding_caps_unless_its_detector_says_otherwise():
    assert ChainFinding("x", "AG", "m").caps is True


def test_a_detector_returning_caps_that_is_not_true_or_false_fails(fake_dist, run):
    source = '''
from stocktake import hookimpl
from stocktake.chains.analysis import ChainFinding

class Odd:
    id = "odd"
    version = "1"
    title = "Odd"
    description = "Caps with text."
    def detect(self, chain):
        return [ChainFinding("odd", "AG", "m", caps="yes")]

@hookimpl
def stocktake_register_chain_detectors(registry):
    registry.add_detector(Odd())
'''
    fake_dist("odd-detector", "1.0", modules={"odd_detector": source}, entry_points={"odddet": "odd_detector"})
    out = run("chain", str(FIXTURE))
    assert out.exit_code == 3 and "caps is 'yes', not true or false" in out.stderr
