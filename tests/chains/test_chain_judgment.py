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


# -- feedback that counts: strong enough to know, at any moment, whether delivery is on track -------------
# Seed 004: "How, at any given moment, will you know whether you are on track? ... Good, steady, close to
# real-time data"; domain.md 3.2: "is there a feedback loop from the front line back to the centre?"

def weak_feedback(strength: str = "R") -> dict:
    """dept -G-> office -G-> schools; the only way back is schools -> office -> dept at ``strength``."""
    doc = one_office()
    doc["links"][2]["strength"] = doc["links"][3]["strength"] = strength
    return doc


def test_feedback_only_through_weak_links_does_not_count_as_feedback(tmp_path):
    result = analyse(tmp_path, weak_feedback("R"))
    (weak,) = coded(result, "weak-feedback")
    assert weak.detector == "no-feedback" and weak.caps is True and weak.level == "AR"
    assert weak.actors == ["office", "schools"] and "only through weak links" in weak.message
    assert not coded(result, "no-feedback")  # information does get back: it is weak, not missing
    assert result.judgment.rating == "AR", result.judgment.because
    # the weak-link finding hands the weak links back up over to the no-feedback detector, which judges them
    back = {k: f for f in coded(result, "weak-link") for k in f.links}
    assert back["schools->office"].caps is False and "no-feedback detector" in back["schools->office"].message
    assert any("schools" in f.actors for f in result.findings if f.detector == "no-feedback")


def test_feedback_at_best_moderate_caps_the_chain_at_AG(tmp_path):
    doc = weak_feedback("G")
    doc["links"][2]["strength"] = "AG"  # schools -> office
    result = analyse(tmp_path, doc)
    (moderate,) = coded(result, "moderate-feedback")
    assert moderate.actors == ["schools"] and moderate.level == "AG" and moderate.caps is True
    assert "weak" not in moderate.message and "AG" in moderate.message
    assert not coded(result, "weak-feedback") and not coded(result, "no-feedback")
    assert result.judgment.rating == "AG", result.judgment.because


def test_feedback_is_judged_by_its_strongest_way_back(tmp_path):
    doc = weak_feedback("G")
    doc["links"].append(feedback("schools", "dept", "R"))  # a weak direct line beside a strong route
    result = analyse(tmp_path, doc)
    assert not [f for f in result.findings if f.detector == "no-feedback"]
    assert result.judgment.rating == "G", result.judgment.because


def test_feedback_through_a_beneficiary_that_is_only_drawn_does_not_count(tmp_path):
    doc = one_office()
    doc["links"] = [*doc["links"][:2], feedback("office", "dept")]  # the schools have no way back ...
    doc["actors"].append(actor("families", 3, "beneficiary"))
    doc["links"] += [feedback("schools", "families"), feedback("families", "dept")]  # ... but through families
    (silent,) = coded(analyse(tmp_path, doc), "no-feedback")
    assert silent.actors == ["schools"]


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
    about_families = [f for f in result.findings
                      if "families" in f.actors or any("families" in k for k in f.links)]
    assert [f.code for f in about_families] == ["not-judged"]  # said once, in words, and never capping
    mermaid = draw(run, tmp_path, with_families())
    assert '"AR support not judged"' in mermaid


def test_drawn_links_to_beneficiaries_are_one_noted_finding_line_saying_not_judged(run, tmp_path):
    """What the diagram labels "not judged" the findings table says in words (item 14, follow-up)."""
    doc = with_families()
    doc["actors"].append(actor("carers", 3, "beneficiary", count=300))
    doc["links"].append({"from": "schools", "to": "carers", "levers": ["support"], "strength": "R"})
    result = analyse(tmp_path, doc)
    (line,) = coded(result, "not-judged")
    assert line.caps is False and line.detector == "weakest-link"
    assert line.links == ["schools->families", "schools->carers"] and line.count == 2
    assert line.level == "R"  # how serious: the weakest of them
    assert "not judged" in line.message and "schools->carers at R" in line.message
    assert "beneficiaries: judged" in line.message  # what to write to judge them
    assert result.judgment.rating == "G", result.judgment.because
    md = draw(run, tmp_path, doc, "md")
    assert re.search(r"\| R \| weakest-link \| .*not judged.* \| 2 \| no \|", md)


def test_judged_beneficiaries_get_no_not_judged_line(tmp_path):
    assert not coded(analyse(tmp_path, with_families(beneficiaries="judged")), "not-judged")


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
