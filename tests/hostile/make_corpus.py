"""Regenerate the hostile corpus in this directory: ``cd tests/hostile && python make_corpus.py``
(needs ``stocktake`` on PATH for the result documents). The files are committed; this script
says how each was made. ``expected.yaml`` maps each document to what its error must say.
"""
import json
from pathlib import Path

out = Path(".")
R = "kind: Rubric\nschema_version: 1\nid: hostile\nversion: 1.0.0\ntitle: Hostile\n"
REV = ("kind: CapacityReview\nschema_version: 1\nrubric: {id: delivery-capacity-review, version: \"1.0.0\"}\n"
       "system: S\ndate: 2026-01-01\nreviewers: [{id: du, name: DU, role: delivery-unit}]\n")
ASM = "kind: DeliveryAssessment\nschema_version: 1\nperiod: 2026-H2\ndate: 2026-10-31\n"
CH = ("kind: DeliveryChain\nschema_version: 1\nid: c\npriority: p\ntitle: C\n"
      "actors: [{id: a, name: A, level: 0, role: centre}, {id: b, name: B, level: 1, role: front-line}]\n"
      "links: [{from: a, to: b, levers: [support], strength: G}]\n")
RS = "kind: RuleSet\nschema_version: 1\nid: hostile\nversion: '1.0'\ntitle: H\n"
files = {}
E = {}  # expected message fragments

def add(name, content, *fragments):
    files[name] = content
    E[name] = list(fragments)

laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi"))
add("rubric-billion-laughs.yaml", R + laughs, ":", "at most 2,000,000 values")
add("review-billion-laughs.yaml", REV + "findings: &z [{text: x}]\n" + laughs, "at most 2,000,000 values")
add("rubric-python-object.yaml", R + "sections: !!python/object/apply:os.system ['echo pwned > /tmp/stocktake-pwned']\n",
    "tag !!python/object/apply:os.system")
add("ruleset-python-name.yaml", RS + "inputs: !!python/name:os.system\n", "tag !!python/name:os.system")
add("review-python-module.yaml", REV + "evidence: !!python/module:os\n", "tag !!python/module:os")
add("assessment-binary-tag.yaml", ASM + "title: !!binary aGVsbG8=\n", "tag !!binary")
add("chain-set-tag.yaml", CH + "evidence: !!set {a, b}\n", "tag !!set")
add("rubric-custom-tag.yaml", R + "title2: !Ref evil\n", "tag !Ref")
add("rubric-duplicate-key.yaml", R + "title: Again\n", "each key once per mapping", "(first on line 5)")
add("review-duplicate-key.json", json.dumps({"kind": "CapacityReview", "schema_version": 1})[:-1] + ', "kind": "Rubric"}',
    "each key once per mapping")
add("chain-duplicate-key.yaml", CH.replace("id: c\n", "id: c\nid: d\n"), "each key once per mapping")
add("rubric-merge-key.yaml", R + "base: &b {x: 1}\nother:\n  <<: *b\n", "a merge key '<<'")
add("assessment-merge-key.yaml", ASM + "x: &x {a: 1}\npriorities: [{<<: *x}]\n", "a merge key '<<'")
add("rubric-deep-flow.yaml", R + "sections: " + "[" * 5000 + "]" * 5000 + "\n", "nesting at most 64 levels deep")
add("chain-deep.json", '{"kind": "DeliveryChain", "actors": ' + "[" * 100000 + "]" * 100000 + "}", "nesting at most 64 levels deep")
add("review-deep-block.yaml", REV + "findings:\n" + "".join("  " * i + "-\n" for i in range(1, 80)), "nesting at most 64 levels deep")
add("review-recursive-alias.yaml", REV + "findings: &loop [*loop]\n", "nesting at most 64 levels deep")
add("rubric-nan.yaml", R + "x: .nan\n", "a finite number")
add("assessment-nan.json", '{"kind": "DeliveryAssessment", "schema_version": 1, "x": NaN}', "a finite number")
add("assessment-infinity.json", '{"kind": "DeliveryAssessment", "schema_version": 1, "x": -Infinity}', "a finite number")
add("chain-inf.yaml", CH.replace("level: 1,", "level: .inf,"), "a finite number")
add("rubric-huge-int.yaml", R.replace("schema_version: 1", "schema_version: 1" + "0" * 5000), "an integer of at most 30 digits")
add("assessment-huge-int.json", '{"kind": "DeliveryAssessment", "schema_version": ' + "9" * 5000 + "}", "an integer of at most 30 digits")
add("rubric-complex-key.yaml", R + "? [a, b]\n: c\n", "a list or mapping as a key")
add("rubric-syntax.yaml", R + "sections: [\n", "expected valid YAML")
add("rubric-tab-indent.yaml", R + "sections:\n\t- id: x\n", "expected valid YAML")
add("chain-truncated.json", json.dumps({"kind": "DeliveryChain", "schema_version": 1, "actors": []})[:30], "expected valid JSON")
add("review-trailing-comma.json", '{"kind": "CapacityReview",}', "expected valid JSON")
add("rubric-empty.yaml", "", "an empty file")
add("assessment-whitespace.json", "   \n\n", "an empty file")
add("rubric-comments-only.yaml", "# nothing here\n# at all\n", "only comments or an empty document")
add("chain-list-top.yaml", "- kind: DeliveryChain\n", "a mapping with 'kind' and 'schema_version'")
add("ruleset-scalar-top.json", '"RuleSet"', "a mapping with 'kind' and 'schema_version'")
add("rubric-unknown-kind.yaml", "kind: Spreadsheet\nschema_version: 1\n", "found 'Spreadsheet'")
add("review-schema-version-bool.yaml", REV.replace("schema_version: 1", "schema_version: true"), "schema_version")
import subprocess


def result(*args):
    return json.loads(subprocess.run(["stocktake", *args, "--format", "json"], capture_output=True, check=True).stdout)
report = result("report", "../fixtures/chain.yaml")
report["schema_version"] = 2
add("report-schema-version-2.json", json.dumps(report, indent=1), "$.schema_version: expected 1, found 2")
chain = result("chain", "../fixtures/chain.yaml")
add("chain-result-wrong-type.json", json.dumps({**chain, "inputs": "all"}, indent=1), "$.inputs: expected")
add("chain-result-unknown-level.json", json.dumps({**chain, "findings": [{**chain["findings"][0], "level": 7}]}, indent=1),
    "$.findings[0].level")
review = result("review", "../fixtures/exhibit-1b7.yaml")
add("review-result-extra.json", json.dumps({**review, "surprise": 1}, indent=1), "$.surprise: expected one of the properties")
judged = result("judge", "../fixtures/assessment.yaml")
del judged["league"]
add("assessment-result-missing.json", json.dumps(judged, indent=1), "expected property 'league'")
add("review-ratings-absolute.yaml", REV + "ratings_file: /etc/passwd\n", "ratings_file", "a relative path inside the document's directory")
add("review-ratings-climb.yaml", REV + "ratings_file: ../../../../etc/passwd\n", "a relative path inside the document's directory")
add("chain-actors-climb.yaml", CH + "actors_file: ../hostile/../../etc/hostname\n", "a relative path inside the document's directory")
add("chain-links-symlink.yaml", CH + "links_file: links-symlink.csv\n", "a relative path inside the document's directory")
add("review-ratings-binary.yaml", REV + "ratings_file: ratings-binary.csv\n", "ratings-binary.csv")
add("ruleset-code-condition.yaml", RS + "output: {name: likelihood, scale: delivery}\nhit_policy: first\n"
    "inputs: [{name: challenge, scale: challenge}]\nrules:\n"
    "  - {id: r1, when: {challenge: \"__import__('os').system('touch /tmp/stocktake-pwned')\"}, then: R, because: x}\n",
    "$.rules[0].when.challenge")
add("assessment-sexagesimal.yaml", ASM + "priorities:\n  - {id: p, title: P, metric: {name: m, unit: '%', direction: increase},"
    " baseline: {date: 2025-01-01, value: 1:20}, target: {date: 2026-01-01, value: 2}}\n", "$.priorities[0].baseline.value")
add("assessment-impossible-date.yaml", open("../fixtures/assessment.yaml").read().replace("date: 2026-10-31", "date: 2026-02-30"), "$.date")
binary = {
    "rubric-utf16.yaml": ("\ufeff" + R).encode("utf-16"),
    "review-latin1.yaml": (REV + "title: Caf\xe9\n").encode("latin-1"),
    "chain-binary.json": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "assessment-nul.yaml": (ASM + "title: a\x00b\n").encode(),
    "ratings-binary.csv": b"component,reviewer,level\n\x00\x01\x02,du,G\n",
}
E.update({"rubric-utf16.yaml": ["UTF-16 text"], "review-latin1.yaml": ["byte 0xe9 that is not UTF-8"],
          "chain-binary.json": ["not UTF-8"], "assessment-nul.yaml": ["a NUL byte"]})
for name, text in files.items():
    (out / name).write_text(text, encoding="utf-8")
for name, data in binary.items():
    (out / name).write_bytes(data)
# links-symlink.csv (a symbolic link to /etc/passwd) is made by the tests in a copy of this
# directory: a wheel or sdist must not carry a link to an absolute path.
import yaml

with open("expected.yaml", "w") as h:
    h.write("# Each hostile file and what its one-line error must say (besides its name and place).\n")
    h.write("# ratings-binary.csv is referenced by a document here; links-symlink.csv (a link to /etc/passwd) is\n"
            "# made by the tests in a copy of this directory.\n")
    yaml.safe_dump(E, h, sort_keys=True, allow_unicode=True, width=200)
print(len(E), "documents")
