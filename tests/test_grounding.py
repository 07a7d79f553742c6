"""Evidence quotes are aligned to offsets: exact, normalised, fuzzy, or flagged as not found."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.core.records import MatchKind
from extractor.core.schema import Event
from extractor.grounding import align_quote, ground_events, grounding_stats

TEXT = (
    "US officials said the base was hit \u201cseveral times\u201d on Sunday.\n"
    "Five rockets were fired  from northern Iraq \u2014 none hit.\n"
    "The militia\u2019s statement named the Tower 22 outpost."
)

CASES = {
    "exact": ("Five rockets were fired  from northern Iraq", MatchKind.EXACT, "Five rockets"),
    "curly double quotes": ('was hit "several times" on Sunday', MatchKind.NORMALIZED, "was hit"),
    "curly apostrophe": ("The militia's statement", MatchKind.NORMALIZED, "The militia"),
    "extra whitespace and newline": (
        "on Sunday. Five rockets were fired from",
        MatchKind.NORMALIZED,
        "on Sunday.",
    ),
    "dash variant": ("from northern Iraq - none hit", MatchKind.NORMALIZED, "from northern"),
    "fuzzy near miss": (
        "The militia's statment named the Tower 22 outpost",
        MatchKind.FUZZY,
        "The militia",
    ),
    "not found": ("A drone struck Camp Larch", MatchKind.NONE, None),
    "short non-match is not fuzzed": ("Tower 23", MatchKind.NONE, None),
}


@pytest.mark.parametrize("quote,kind,prefix", CASES.values(), ids=list(CASES))
def test_align_quote(quote: str, kind: MatchKind, prefix: str | None) -> None:
    span = align_quote(quote, TEXT)
    assert span.match is kind
    assert span.quote == quote
    if prefix is None:
        assert span.start is None and span.end is None and not span.found
    else:
        assert span.start is not None and span.end is not None
        found = TEXT[span.start : span.end]
        assert found.startswith(prefix)
        assert abs(len(found) - len(quote)) <= 3


def test_events_are_grounded_only_when_every_quote_is_found(
    make_event: Callable[..., Event],
) -> None:
    good = make_event(evidence=["Five rockets were fired"])
    partial = make_event(evidence=["Five rockets were fired", "A drone struck Camp Larch"])
    grounded = ground_events([good, partial], TEXT)
    assert [event.grounded for event in grounded] == [True, False]
    assert [len(event.evidence_spans) for event in grounded] == [1, 2]
    assert grounded[1].evidence_spans[1].match is MatchKind.NONE  # flagged, not dropped
    stats = grounding_stats(grounded)
    assert (stats.quotes, stats.found, round(stats.rate, 2)) == (3, 2, 0.67)
    assert grounded[0].to_event() == good
