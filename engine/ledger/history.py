"""A subject's history from the ledger, as people ask for it: ``stocktake history SUBJECT``, the
previous review or period (``--baseline latest``, ``--previous latest``) and the report's trends.

A subject is named as the flat table names it (``priority:reading``, ``component:define-aspiration``)
or by its bare id or rubric code (``reading``, ``3A``) when that names one subject of the ledger;
an unknown name is a usage error listing the closest names recorded.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from stocktake.core.errors import UsageError
from stocktake.ledger.model import Entry, RunInfo
from stocktake.ledger.recording import LEDGER_PREFIX

if TYPE_CHECKING:
    from stocktake.core.loading import LoadedDocument
    from stocktake.judgment.scale import Scale
    from stocktake.ledger.store import Ledger

__all__ = ["LATEST", "HistoryPoint", "LedgerHistory", "SubjectHistory", "history_json", "history_text",
           "latest_document", "latest_result", "resolve_subject", "subject_history"]

LATEST = "latest"
"""What ``--baseline`` and ``--previous`` take to mean the ledger's latest earlier result (a file
named ``latest`` is given as ``./latest``)."""

Movement = Literal["first", "improved", "declined", "unchanged", "not-rated"]
"""Against the point before: ``first`` (none before), ``not-rated`` (either has no level)."""


@dataclass(frozen=True)
class HistoryPoint:
    """One recorded judgment of the subject, with its movement since the point before."""

    date: str | None
    period: str | None
    level: str | None
    """The level that stood (None: not rated)."""
    computed: str | None
    override: str | None
    override_reason: str
    rule: str
    rule_version: str
    because: str
    flags: list[str]
    state: str
    run_id: str
    seq: int
    movement: Movement


@dataclass(frozen=True)
class SubjectHistory:
    """The levels over time of one aspect of one subject (a component: in one system)."""

    subject: str
    title: str
    aspect: str
    scale: str
    system: str | None
    points: list[HistoryPoint]

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def _known(ledger: Ledger) -> list[tuple[str, str]]:
    """Every (subject, code) recorded, in the order first recorded."""
    return list(dict.fromkeys((e.subject, e.code) for e in ledger.entries()))


def resolve_subject(ledger: Ledger, name: str) -> str:
    """The recorded subject ``name`` names: itself, or the one subject whose id or code it is.

    :raises UsageError: nothing recorded by that name (listing the closest names), or a bare name
        of more than one subject (listing them)."""
    wanted = name.strip()
    if ledger.history(wanted):
        return wanted
    known = _known(ledger)
    matches = list(dict.fromkeys(s for s, code in known if s.partition(":")[2] == wanted or code == wanted))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(f"{wanted!r} names {len(matches)} subjects in {ledger.name}: {', '.join(matches)}; "
                         "give one of them")
    names = sorted({s for s, _ in known} | {s.partition(":")[2] for s, _ in known} | {c for _, c in known if c})
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else (
        "; it holds no judgments yet" if not known else " (name one as kind:id, e.g. " + known[0][0] + ")")
    raise UsageError(f"{ledger.name} has no judgments of {wanted!r}{hint}")


def _movement(before: str | None, now: str | None, scale: Scale | None) -> Movement:
    if before is None or now is None or scale is None or before not in scale.codes or now not in scale.codes:
        return "not-rated"
    delta = scale.rank(before) - scale.rank(now)  # rank 0 is the top of the scale
    return "improved" if delta > 0 else "declined" if delta < 0 else "unchanged"


def subject_history(ledger: Ledger, name: str, scales: Mapping[str, Scale]) -> list[SubjectHistory]:
    """The history of the subject ``name`` names (:func:`resolve_subject`): one per aspect (a
    priority's likelihood and severity) and system, each oldest first, with the movement between
    consecutive points by the scale's rank."""
    subject = resolve_subject(ledger, name)
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in ledger.history(subject):
        groups.setdefault((entry.aspect, entry.system or ""), []).append(entry)
    out = []
    for (aspect, system), entries in groups.items():
        scale = scales.get(entries[-1].scale)
        points: list[HistoryPoint] = []
        for entry in entries:
            level = entry.level or None
            movement: Movement = "first" if not points else _movement(points[-1].level, level, scale)
            points.append(HistoryPoint(
                date=entry.date, period=entry.period or None, level=level, computed=entry.computed or None,
                override=entry.override or None, override_reason=entry.override_reason, rule=entry.rule,
                rule_version=entry.rule_version, because=entry.because,
                flags=[f for f in entry.flags.split("; ") if f], state=entry.state, run_id=entry.run_id,
                seq=entry.seq, movement=movement))
        out.append(SubjectHistory(subject=subject, title=entries[-1].title, aspect=aspect, scale=entries[-1].scale,
                                  system=system or None, points=points))
    return out


def latest_result(ledger: Ledger, kind: str, *, before: dt.date, system: str | None = None,
                  what: str) -> tuple[RunInfo, bytes]:
    """The latest recorded run with a result of ``kind`` dated before ``before`` (of ``system``),
    and that result's bytes as they were written.

    :raises UsageError: none is recorded (``what`` says what was looked for)."""
    run = ledger.latest(kind, before=before, system=system)
    if run is None:
        raise UsageError(f"{ledger.name} holds no {what} dated before {before}: record one first (run it with "
                         "--ledger), or give the file")
    return run, ledger.blob(run.result_sha256)


def latest_document(engine: Any, target: str | None, kind: str, *, before: dt.date, system: str | None = None,
                    what: str, option: str) -> LoadedDocument:
    """``option latest``: the latest result of ``kind`` dated before ``before`` (of ``system``) in the
    ledger ``target``, loaded from its stored bytes and named ``ledger:RUN`` (so the result that
    uses it says where it came from).

    :raises UsageError: no ledger is named, it does not exist, or it holds no such result."""
    import io

    from stocktake.ledger import open_ledger

    if target is None:
        raise UsageError(f"{option} latest takes the {what} from the history ledger: name one with --ledger PATH "
                         "(or STOCKTAKE_LEDGER), or give the file")
    with open_ledger(target, create=False) as ledger:
        run, data = latest_result(ledger, kind, before=before, system=system, what=what)
    stream = io.BytesIO(data)
    stream.name = f"{LEDGER_PREFIX}{run.short_id}"
    return engine.load(stream, kinds=(kind,))  # type: ignore[no-any-return]


class LedgerHistory(Mapping[str, list[Entry]]):
    """The ledger's judgments as the report's ``history`` (subject -> its entries, oldest first),
    read subject by subject as the report asks for them."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def __getitem__(self, subject: str) -> list[Entry]:
        found = self._ledger.history(subject)
        if not found:
            raise KeyError(subject)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(s for s, _ in _known(self._ledger)))

    def __len__(self) -> int:
        return len(dict.fromkeys(s for s, _ in _known(self._ledger)))


def history_text(histories: list[SubjectHistory]) -> str:
    """``stocktake history`` as text: per aspect, a line naming it, then one row per point (date,
    period, level, movement, rule, run) with the reason beside it (the agreed level's reason where
    one replaced the computed level, else the rule's ``because``)."""
    from stocktake.core.errors import CONTROLS, visible

    def printable(text: str) -> str:  # no control character reaches the terminal (as core.markup.printable)
        return visible(text, CONTROLS, "")

    blocks = []
    for h in histories:
        where = f", {h.system}" if h.system else ""
        head = f"{h.subject}: {h.title} ({h.aspect}{where}; scale {h.scale})"
        rows = [("DATE", "PERIOD", "LEVEL", "MOVEMENT", "RULE", "RUN", "REASON")]
        for p in h.points:
            level = p.level or "not rated"
            if p.override and p.override != p.computed:
                level += f" (agreed over {p.computed or 'no level'})"
            reason = f"agreed: {p.override_reason}" if p.override else p.because
            rows.append((p.date or "-", p.period or "-", level, p.movement, f"{p.rule} {p.rule_version}".strip(),
                         p.run_id[:16], reason))
        cells = [[printable(c) for c in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(rows[0]) - 1)]
        lines = ["  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip() for r in cells]
        blocks.append(printable(head) + "\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def history_json(histories: list[SubjectHistory]) -> str:
    """``stocktake history --format json``: a list, one object per aspect (and system)."""
    import json

    return json.dumps([h.as_json() for h in histories], indent=2, ensure_ascii=False) + "\n"
