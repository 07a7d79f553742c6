"""How often a review flag (`extractor.review`) points at a really wrong event, on gold.

For every recorded prediction of a suite row (evals/recorded*/<label>/*.json), recompute the
flags with the current rules, match the predicted events to gold with the scorer's matcher
(`extractor.scoring.matching.match_events`) and call a predicted event

- wrong (any field): unmatched, or a scored field disagrees with its matched gold event;
- wrong in a core field: unmatched, or one of `CORE_FIELDS` (what an analyst counts and
  maps: date, place, perpetrator, weapons, counts) disagrees;
- wrong as flagged: unmatched, or the field the flag names disagrees (a count or name flag
  names its field; an incident flag, which names no field, any core field).

Nearly every predicted event has some field wrong (a target or date_text worded
differently), so "any field" says little; the core and as-flagged columns are compared with
the same rate among all events.

Prints, per suite, how many events are flagged, the precision of the flag (flagged and
wrong / flagged) against the base rate (wrong / all events), its recall (flagged wrong /
wrong), per rule, and every flagged event with its reasons and verdict, as markdown.

    .venv/bin/python evals/review_flags.py > evals/results/2026-12-02-review-flags.md
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from extractor.core.records import ExtractionRecord
from extractor.core.schema import Event
from extractor.predictions import load_gold
from extractor.review import review_events
from extractor.scoring.fields import SCORED_FIELDS, field_agreement
from extractor.scoring.matching import match_events

ROOT = Path(__file__).resolve().parents[1]
SUITES = {
    "seeds": (ROOT / "evals/recorded/local-qwen2.5-coder-1.5b", ROOT / "gold"),
    "dev": (ROOT / "evals/recorded-dev/local-qwen2.5-coder-1.5b", ROOT / "gold/dev"),
}
CORE_FIELDS = (
    "date", "location", "perpetrator", "weapon_types", "projectiles", "intercepted", "killed",
    "injured",
)  # fmt: skip
RULES = (
    ("count not in own sentences", re.compile(r"^(\w+) \d+: not in the event's own")),
    ("count only in another event's", re.compile(r"^(\w+) \d+: only in another")),
    ("attack casualties of a strike", re.compile(r"^(\w+) \d+: the sentence counts a strike")),
    ("place/perpetrator not in own sentences", re.compile(r"^(\w+) '.*': not in the event's")),
    ("evidence names two days", re.compile(r"^evidence names more than one day")),
    ("evidence names another event's place", re.compile(r"^evidence sentence \d+ names")),
    ("evidence tells of another incident", re.compile(r"^evidence sentence \d+ tells")),
)


@dataclass
class Verdict:
    """One predicted event: its reasons and what gold says of it."""

    article_id: str
    position: int
    event: Event
    reasons: list[str]
    matched: bool
    wrong_fields: list[str] = field(default_factory=list)

    @property
    def wrong(self) -> bool:
        return not self.matched or bool(self.wrong_fields)

    @property
    def wrong_core(self) -> bool:
        return not self.matched or any(f in CORE_FIELDS for f in self.wrong_fields)

    def wrong_as_flagged(self, reason: str) -> bool:
        if not self.matched:
            return True
        for _, pattern in RULES:
            found = pattern.match(reason)
            if found and found.groups():
                return found.group(1) in self.wrong_fields
        return self.wrong_core


def rule_of(reason: str) -> str:
    return next(name for name, pattern in RULES if pattern.match(reason))


def verdicts(recorded: Path, gold_dir: Path) -> list[Verdict]:
    """Every recorded predicted event of a suite, with its flags and its verdict."""
    gold = load_gold(gold_dir)
    out = []
    for path in sorted(recorded.glob("*.json")):
        record = ExtractionRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
        events = review_events(record.events)
        plain = [e.to_event() for e in events]
        gold_events = gold.records[record.article_id].events
        pairs = {m.pred_index: m.gold_index for m in match_events(plain, gold_events)}
        for index, event in enumerate(plain):
            verdict = Verdict(
                record.article_id, index + 1, event, events[index].review_reasons, index in pairs
            )
            if verdict.matched:
                g = gold_events[pairs[index]]
                verdict.wrong_fields = [
                    f for f in SCORED_FIELDS if field_agreement(f, event, g) < 1.0
                ]
            out.append(verdict)
    return out


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.2f}" if whole else f"{part}/0"


def _row(label: str, part: int, whole: int) -> None:
    print(f"| {label} | {_ratio(part, whole)} |")


def report(name: str, items: list[Verdict]) -> None:
    """One suite's markdown section."""
    flagged = [v for v in items if v.reasons]
    unflagged = [v for v in items if not v.reasons]
    unmatched = [v for v in items if not v.matched]
    as_flagged = [v for v in flagged if any(v.wrong_as_flagged(r) for r in v.reasons)]
    print(f"## {name}: {len(items)} predicted events\n")
    print("| measure | value |")
    print("|---|---|")
    _row("flagged events", len(flagged), len(items))
    for label, attr in (("any field", "wrong"), ("a core field", "wrong_core")):
        wrong_all = sum(getattr(v, attr) for v in items)
        wrong_flagged = sum(getattr(v, attr) for v in flagged)
        _row(f"wrong in {label}: all events (base rate)", wrong_all, len(items))
        _row(f"wrong in {label}: flagged (precision of the flag)", wrong_flagged, len(flagged))
        _row(
            f"wrong in {label}: unflagged", sum(getattr(v, attr) for v in unflagged), len(unflagged)
        )
        _row(f"wrong in {label}: flagged of wrong (recall)", wrong_flagged, wrong_all)
    _row("wrong as flagged (the named field, or a core field)", len(as_flagged), len(flagged))
    _row("unmatched events flagged", sum(bool(v.reasons) for v in unmatched), len(unmatched))
    print()
    print("| rule | reasons | wrong in a core field | wrong as flagged |")
    print("|---|---|---|---|")
    for rule, _ in RULES:
        hits = [(v, r) for v in items for r in v.reasons if rule_of(r) == rule]
        core = _ratio(sum(v.wrong_core for v, _ in hits), len(hits))
        named = _ratio(sum(v.wrong_as_flagged(r) for v, r in hits), len(hits))
        print(f"| {rule} | {len(hits)} | {core} | {named} |")
    print()
    print("| article | # | type, place | reasons | gold says |")
    print("|---|---|---|---|---|")
    for v in flagged:
        says = "wrong: " + ", ".join(v.wrong_fields) if v.wrong_fields else "right"
        says = says if v.matched else "unmatched"
        reasons = "; ".join(v.reasons).replace("|", "/")
        what = f"{v.event.event_type.value}, {v.event.location}"
        print(f"| {v.article_id} | {v.position} | {what} | {reasons} | {says} |")
    print()


def main() -> None:
    """The whole markdown report."""
    print("# Review flags on the gold sets: how often a flagged event is really wrong\n")
    print(f"Date: {datetime.date.today().isoformat()}. Machine: Intel Xeon, 2 cores. Command:\n")
    print("    .venv/bin/python evals/review_flags.py > evals/results/2026-12-02-review-flags.md\n")
    print(
        "Predictions: the recorded default row (`local-qwen2.5-coder-1.5b`, sentence "
        "strategy) of `evals/default.toml` (seeds, gold in `gold/`) and `evals/dev.toml` "
        "(dev, gold in `gold/dev/`), flags recomputed with the current `extractor.review`. "
        'Matching is the scorer\'s (`match_events`); "wrong" is an unmatched predicted event '
        "or one whose matched gold event disagrees on a scored field.\n"
    )
    for name, (recorded, gold_dir) in SUITES.items():
        if not recorded.is_dir():
            sys.exit(f"{recorded}: no recorded outputs")
        report(name, verdicts(recorded, gold_dir))


if __name__ == "__main__":
    main()
