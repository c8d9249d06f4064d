"""Findings' messages with actors' names for their ids (``_namer``): the same text as one regex
alternating every named id would give, in work linear in the text however many ids are named."""

from __future__ import annotations

import re
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from stocktake.chains import views


def drawing_and_result(ids: list[str], names: list[str], links: list[tuple[str, str]],
                       named: list[str]) -> tuple[SimpleNamespace, SimpleNamespace]:
    drawing = SimpleNamespace(actors=[SimpleNamespace(id=i, name=n) for i, n in zip(ids, names)],
                              links=[SimpleNamespace(from_=a, to=b) for a, b in links])
    finding = SimpleNamespace(actors=named, links=[f"{a}->{b}" for a, b in links if a in named][:3])
    return drawing, SimpleNamespace(findings=[finding])


def alternation(drawing: SimpleNamespace, result: SimpleNamespace):
    """The reference: the one regex of every choice, longest first, that ``_namer`` was before."""
    names = {a.id: a.name for a in drawing.actors}
    named = {a for f in result.findings for a in [*f.actors, *(end for key in f.links for end in key.split("->"))]}
    keys = {f"{x.from_}->{x.to}": f"{names.get(x.from_, x.from_)} → {names.get(x.to, x.to)}" for x in drawing.links
            if x.from_ in named or x.to in named}
    words = {i: names[i] for i in named if i in names}
    kept = {f"{names[i]} ({i})" for i in words}
    choices = sorted([*kept, *keys, *words], key=lambda t: (-len(t), t))
    if not choices:
        return lambda text: text
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, choices)) + r")(?![\w]|-(?!>))")
    return lambda text: pattern.sub(lambda m: keys.get(m[0]) or words.get(m[0]) or m[0], text)


ID = st.text("ab-_.1", min_size=1, max_size=4).filter(lambda t: t[0] not in "-_.")
PIECE = st.sampled_from(["a", "b", "a-b", "a->b", "->", "-", " ", "(", ")", "é", "ab", "1", "_", ".", "A (a)", "→"])


@settings(max_examples=400, deadline=None)
@given(ids=st.lists(ID, min_size=1, max_size=5, unique=True), data=st.data())
def test_names_replace_ids_exactly_as_the_alternating_regex_did(ids, data):
    names = data.draw(st.lists(st.sampled_from(["A", "a", "b b", "", "x->y", "a (a)", "Ab"]),
                               min_size=len(ids), max_size=len(ids)))
    links = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=6))
    named = data.draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
    drawing, result = drawing_and_result(ids, names, links, named)
    texts = data.draw(st.lists(st.lists(PIECE | ID, max_size=12).map("".join), min_size=1, max_size=5))
    say, expected = views._namer(drawing, result), alternation(drawing, result)
    for text in [*texts, *ids, *(f"{a}->{b}" for a, b in links), " ".join(ids)]:
        assert say(text) == expected(text)


def test_a_finding_naming_every_actor_is_renamed_in_work_linear_in_the_text(monkeypatch):
    """Look-ups per message do not grow with the number of ids named (the alternating regex tried
    each of them at every position: 100k actors took hours)."""
    lookups = [0]

    class Counted(views._Replacements):
        def get(self, key, default=None):  # type: ignore[override]
            lookups[0] += 1
            return super().get(key, default)

    monkeypatch.setattr(views, "_Replacements", Counted)

    def work(n: int) -> tuple[int, str]:
        ids = [f"s{i}" for i in range(n)]
        drawing, result = drawing_and_result(["c", *ids], ["Centre", *(f"School {i}" for i in range(n))],
                                             [("c", i) for i in ids], ["c", *ids])
        say = views._namer(drawing, result)
        lookups[0] = 0
        text = say("Only " + ", ".join(ids) + " and c->s0 are reached from c.")
        return lookups[0], text

    small, text = work(2_000)
    big, _ = work(4_000)
    assert text.startswith("Only School 0, School 1,") and text.endswith("and Centre → School 0 are reached from Centre.")
    assert small > 2_000  # every id was looked up
    assert big <= 2.2 * small  # twice the ids and twice the text: about twice the work, not four times
