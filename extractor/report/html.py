"""The HTML report: one self-contained page (inline CSS/JS, no network) per comparison.

On top, a summary table (one row per backend). Then, per article and per backend, the
article text with every found evidence quote highlighted (`<mark data-event=...>`, linking
to its event card) next to the event cards (each quote links back to its highlight). With
gold, cards are marked matched / spurious, matched cards show their fields beside gold's
with mismatches flagged, and missed gold events get cards of their own.

Article text and every model-produced string are untrusted and pass through `html.escape`;
ids are built from indices only. Pure: `render_report` turns a `ReportPage` into a string.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from extractor.core.records import GroundedEvent
from extractor.core.schema import ArticleEvents, Event
from extractor.report.html_assets import CSS, JS
from extractor.scoring.fields import SCORED_FIELDS, field_agreement
from extractor.scoring.matching import EventMatch

CARD_FIELDS = ("event_type", *SCORED_FIELDS)


@dataclass(frozen=True)
class ArticleView:
    """One backend's events for one article, and (with gold) how they matched."""

    events: tuple[GroundedEvent, ...] = ()
    matches: tuple[EventMatch, ...] | None = None
    failure: str | None = None


@dataclass(frozen=True)
class RunView:
    """One backend (row) of the report; `error` when it could not run at all."""

    label: str
    articles: Mapping[str, ArticleView] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class SummaryTable:
    """The table on top: pre-formatted cells, one CSS class per row (e.g. `failed`)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportPage:
    """Everything the page shows."""

    title: str
    texts: Mapping[str, str]
    runs: tuple[RunView, ...]
    summary: SummaryTable
    gold: Mapping[str, ArticleEvents] | None = None
    notes: tuple[str, ...] = ()


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _show(value: Any) -> str:
    if value is None:
        return "\u2014"
    if isinstance(value, list):
        return ", ".join(_show(item) for item in value) or "\u2014"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _highlighted_text(text: str, events: Sequence[GroundedEvent], prefix: str) -> str:
    """The article text, escaped, with one `<mark>` per stretch covered by found quotes."""
    spans: list[tuple[int, int, str, str]] = []  # start, end, event id, quote id
    for e_index, event in enumerate(events):
        for q_index, span in enumerate(event.evidence_spans):
            if span.found and span.start is not None and span.end is not None:
                start, end = max(0, span.start), min(len(text), span.end)
                if start < end:
                    spans.append(
                        (start, end, f"{prefix}-e{e_index}", f"{prefix}-e{e_index}-q{q_index}")
                    )
    cuts = sorted({0, len(text), *(s[0] for s in spans), *(s[1] for s in spans)})
    parts: list[str] = []
    for begin, end in itertools.pairwise(cuts):
        chunk = _e(text[begin:end])
        covering = [s for s in spans if s[0] <= begin and s[1] >= end]
        if not covering:
            parts.append(chunk)
            continue
        starting = [s[3] for s in covering if s[0] == begin]
        event_ids = list(dict.fromkeys(s[2] for s in covering))
        anchors = "".join(f'<span id="{q}"></span>' for q in starting[1:])
        mark_id = f' id="{starting[0]}"' if starting else ""
        css = ' class="multi"' if len(event_ids) > 1 else ""
        parts.append(
            f'{anchors}<mark{mark_id}{css} data-event="{event_ids[0]}" '
            f'data-events="{" ".join(event_ids)}" '
            f'data-quotes="{" ".join(s[3] for s in covering)}">'
            f'<a href="#{event_ids[0]}">{chunk}</a></mark>'
        )
    return "".join(parts)


def _quotes(event: GroundedEvent, event_id: str) -> str:
    items = []
    for q_index, span in enumerate(event.evidence_spans):
        if span.found:
            items.append(f'<li><a href="#{event_id}-q{q_index}">{_e(span.quote)}</a></li>')
        else:
            items.append(
                f'<li class="ungrounded">{_e(span.quote)} <em>(not found in text)</em></li>'
            )
    return f'<ul class="quotes">{"".join(items)}</ul>'


def _mismatches(pred: Event, gold: Event) -> list[str]:
    """Fields of a matched pair that do not fully agree."""
    return [name for name in SCORED_FIELDS if field_agreement(name, pred, gold) < 1.0]


def _field_rows(pred: Event, gold: Event | None) -> str:
    rows = []
    for name in CARD_FIELDS:
        value = getattr(pred, name)
        if gold is None:
            rows.append(f'<tr><td class="field">{name}</td><td>{_e(_show(value))}</td></tr>')
            continue
        gold_value = getattr(gold, name)
        agrees = (
            value == gold_value
            if name == "event_type"
            else field_agreement(name, pred, gold) >= 1.0
        )
        css = "" if agrees else ' class="mismatch"'
        rows.append(
            f'<tr{css}><td class="field">{name}</td><td>{_e(_show(value))}</td>'
            f"<td>{_e(_show(gold_value))}</td></tr>"
        )
    head = "<tr><th>field</th><th>predicted</th><th>gold</th></tr>" if gold else ""
    return f"<table>{head}{''.join(rows)}</table>"


def _event_card(event: GroundedEvent, event_id: str, status: str, gold: Event | None) -> str:
    title = (
        f"{_show(event.event_type)} at {event.location} ({_show(event.date or event.date_text)})"
    )
    wrong = _mismatches(event, gold) if gold is not None else []
    badge = f'<span class="badge mismatches">{len(wrong)} field mismatches</span>' if wrong else ""
    is_open = " open" if wrong else ""
    return (
        f'<div class="card {status}" id="{event_id}" data-event="{event_id}">'
        f'<h4><span class="kind">{status}</span> {_e(title)}{badge}</h4>'
        f"<p>{_e(event.summary)}</p>{_quotes(event, event_id)}"
        f"<details{is_open}><summary>fields</summary>{_field_rows(event, gold)}</details></div>"
    )


def _missed_card(event: Event, card_id: str) -> str:
    title = (
        f"{_show(event.event_type)} at {event.location} ({_show(event.date or event.date_text)})"
    )
    quotes = "".join(f"<li>{_e(q)}</li>" for q in event.evidence)
    return (
        f'<div class="card missed" id="{card_id}"><h4><span class="kind">missed</span> '
        f"{_e(title)} <small>[{_show(event.salience)}]</small></h4><p>{_e(event.summary)}</p>"
        f'<ul class="quotes">{quotes}</ul></div>'
    )


def _run_block(
    view: ArticleView, label: str, text: str, gold: ArticleEvents | None, prefix: str
) -> str:
    if view.failure is not None:
        return (
            f'<details class="run" open><summary>{_e(label)}</summary>'
            f'<p class="error">no output: {_e(view.failure)}</p></details>'
        )
    matched = {m.pred_index: m.gold_index for m in view.matches or ()}
    cards = []
    for index, event in enumerate(view.events):
        gold_event = gold.events[matched[index]] if gold and index in matched else None
        status = "event" if gold is None else "matched" if index in matched else "spurious"
        cards.append(_event_card(event, f"{prefix}-e{index}", status, gold_event))
    badges = ""
    if gold is not None:
        missed = [i for i in range(len(gold.events)) if i not in set(matched.values())]
        cards.extend(_missed_card(gold.events[i], f"{prefix}-g{i}") for i in missed)
        badges = (
            f'<span class="badge matched">{len(matched)} matched</span>'
            f'<span class="badge missed">{len(missed)} missed</span>'
            f'<span class="badge spurious">{len(view.events) - len(matched)} spurious</span>'
        )
    return (
        f'<details class="run" open><summary>{_e(label)}{badges}</summary><div class="run-body">'
        f'<div class="text">{_highlighted_text(text, view.events, prefix)}</div>'
        f'<div class="cards">{"".join(cards) or "<p>no events</p>"}</div></div></details>'
    )


def _summary(table: SummaryTable) -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in table.header)
    rows = []
    for index, row in enumerate(table.rows):
        css = table.row_classes[index] if index < len(table.row_classes) else ""
        cells = "".join(f"<td>{_e(cell)}</td>" for cell in row)
        rows.append(f'<tr class="{_e(css)}">{cells}</tr>')
    return f'<table class="summary"><tr>{head}</tr>{"".join(rows)}</table>'


def render_report(page: ReportPage) -> str:
    """The whole self-contained HTML document."""
    sections = []
    article_ids = sorted(page.texts)
    for a_index, article_id in enumerate(article_ids):
        text = page.texts[article_id]
        gold = page.gold.get(article_id) if page.gold is not None else None
        blocks = []
        for r_index, run in enumerate(page.runs):
            if run.error is not None:
                blocks.append(
                    f'<details class="run"><summary>{_e(run.label)}</summary>'
                    f'<p class="error">{_e(run.error)}</p></details>'
                )
                continue
            view = run.articles.get(
                article_id, ArticleView(failure="no prediction for this article")
            )
            blocks.append(_run_block(view, run.label, text, gold, f"r{r_index}-a{a_index}"))
        sections.append(
            f'<section class="article" id="a{a_index}"><h2>{_e(article_id)}</h2>'
            f"{''.join(blocks)}</section>"
        )
    toc = "".join(f'<a href="#a{i}">{_e(a)}</a>' for i, a in enumerate(article_ids))
    notes = "".join(f"<li>{_e(note)}</li>" for note in page.notes)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(page.title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(page.title)}</h1>{_summary(page.summary)}"
        f'<ul class="notes">{notes}</ul><nav class="toc">{toc}</nav></header>'
        f"<main>{''.join(sections)}</main><script>{JS}</script></body></html>\n"
    )
