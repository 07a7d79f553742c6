"""Reports of many articles grouped into incidents by the pairwise rule, and why.

`cluster` joins pairs that `extractor.incidents.across.compare` joins, strongest first
(single link), but never two groups when any pair across them fails a gate (another side,
another place, days that clash): no chaining from Monday to Wednesday through a Tuesday.
`explain` prints the pairs worth reading, with the clash that kept a joinable pair apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractor.incidents.across import NOT_ENOUGH, PlaceMatch, Report, Verdict, compare, place_match


def cluster(reports: Sequence[Report]) -> list[list[Report]]:
    """Reports grouped into incidents (the module's rule), in the order of their first report.

    Pairs of different articles join strongest first (single link); two groups join only
    when no pair across them fails a gate (another side, another place, days that clash).
    Two events of one article may so end up in one incident when nothing in them clashes:
    the article's own merging missed that they are one ("Wednesday" and "earlier in the
    day" for one drone attack).
    """
    return _grouped(reports)[0]


def _grouped(
    reports: Sequence[Report],
) -> tuple[list[list[Report]], dict[tuple[int, int], str]]:
    """The groups, and for each joined pair left in two groups the clash that kept them."""
    n = len(reports)
    verdicts = {(i, j): compare(reports[i], reports[j]) for i in range(n) for j in range(i + 1, n)}
    group_of = {i: [i] for i in range(n)}
    refused: dict[tuple[int, int], str] = {}
    joinable = sorted(
        (pair for pair, verdict in verdicts.items() if verdict.joined),
        key=lambda pair: (-verdicts[pair].strength, pair),
    )
    for i, j in joinable:
        first, second = group_of[i], group_of[j]
        if first is second:
            continue
        clash = next(
            ((x, y) for x in first for y in second if _clashes(_pair(verdicts, reports, x, y))),
            None,
        )
        if clash is not None:
            x, y = clash
            refused[i, j] = (
                f"{reports[x].label} and {reports[y].label}, already in their incidents, "
                f"clash: {_pair(verdicts, reports, x, y).reasons[-1]}"
            )
            continue
        first.extend(second)
        for k in second:
            group_of[k] = first
    groups: list[list[int]] = []
    for i in range(n):
        if not any(group_of[i] is g for g in groups):
            groups.append(group_of[i])
    return [[reports[k] for k in sorted(g)] for g in groups], refused


def _pair(
    verdicts: dict[tuple[int, int], Verdict], reports: Sequence[Report], x: int, y: int
) -> Verdict:
    """The verdict on two reports; for two of one article, on their place and day alone
    (never a join by itself, but no bar to sharing an incident either)."""
    i, j = min(x, y), max(x, y)
    if reports[i].article_id != reports[j].article_id:
        return verdicts[i, j]
    verdict = compare(reports[i], reports[j], same_article_gate=False)
    if verdict.joined:
        return Verdict(False, (*verdict.reasons, f"{NOT_ENOUGH}: one article"))
    return verdict


def _clashes(verdict: Verdict) -> bool:
    """True when a pair was kept apart by a gate, not merely for want of evidence."""
    return not verdict.joined and not any(r.startswith(NOT_ENOUGH) for r in verdict.reasons)


def explain(reports: Sequence[Report]) -> list[str]:
    """One line per pair worth reading: every joined pair, and every pair kept apart that
    shares side and place (a near miss); a pair that would join but ended in two incidents
    says which clash kept it out. Pairs of one article, or of two sides, are left out."""
    _, refused = _grouped(reports)
    lines = []
    for i, a in enumerate(reports):
        for j in range(i + 1, len(reports)):
            b = reports[j]
            if a.article_id == b.article_id or a.event.event_type != b.event.event_type:
                continue
            verdict = compare(a, b)
            if verdict.joined or place_match(a.event, b.event)[0] is not PlaceMatch.DIFFERENT:
                line = verdict.explain(a, b)
                if (i, j) in refused:
                    line += f"; but kept in two incidents: {refused[i, j]}"
                lines.append(line)
    return lines
