"""The incidents page: one card per incident, its sources side by side, disagreements marked.

Each card shows the reconciled fields (a disputed field in a highlighted row that lists
every value with the sources that gave it), then one column per member report: outlet,
article id and event number, link, and its evidence quotes with their offsets. Incidents told
by several articles come first. Self-contained (inline CSS, no script, no network); every
string from an article or a model passes through `html.escape`. Pure: `render_incidents`
turns incidents into a string.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from extractor.incidents.reconcile import COMPARED_FIELDS, Incident, Member

SHOWN_FIELDS = ("event_type", "date", "date_text", *COMPARED_FIELDS[1:], "summary")
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.4em}.card{background:#fff;border:1px solid #ccc;border-radius:6px;
margin:1em 0;padding:.8em 1em}.card h2{font-size:1.1em;margin:.2em 0 .6em}
.n{color:#555;font-weight:normal}table{border-collapse:collapse;margin-bottom:.8em}
td,th{border-bottom:1px solid #eee;padding:.2em .6em;text-align:left;vertical-align:top}
tr.conflict{background:#fff3cd}tr.conflict th::after{content:" \\26A0";color:#b36b00}
.sources{display:grid;grid-template-columns:repeat(auto-fit,minmax(16em,1fr));gap:.8em}
.source{border-left:3px solid #4a7bd0;padding:.2em .6em;background:#f5f8fd}
.source blockquote{margin:.4em 0;font-style:italic}.off{color:#777;font-size:.85em}
.said{margin:0;padding-left:1.1em}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _show(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(getattr(v, "value", v)) for v in value)
    return str(getattr(value, "value", value))


def _field_rows(incident: Incident) -> str:
    disputed = {c.field: c for c in incident.conflicts}
    rows = []
    for name in SHOWN_FIELDS:
        value = _e(_show(getattr(incident.event, name)))
        conflict = disputed.get(name)
        if conflict is None:
            rows.append(f"<tr><th>{_e(name)}</th><td>{value}</td></tr>")
            continue
        said = "".join(
            f"<li>{_e(_show(v.value))}: {_e('; '.join(v.sources))}</li>" for v in conflict.values
        )
        rows.append(
            f'<tr class="conflict"><th>{_e(name)}</th><td>{value}'
            f'<ul class="said">{said}</ul></td></tr>'
        )
    return "<table>" + "".join(rows) + "</table>"


def _source(member: Member) -> str:
    where = f"{member.article_id} #{member.event_index + 1}"
    link = (
        f'<a href="{_e(member.url)}" rel="noreferrer">{_e(member.outlet or member.url)}</a>'
        if member.url
        else _e(member.outlet or "unknown outlet")
    )
    quotes = "".join(
        f"<blockquote>{_e(q.quote)}"
        + (f' <span class="off">[{q.start}:{q.end}]</span>' if q.start is not None else "")
        + "</blockquote>"
        for q in member.evidence
    )
    return f'<div class="source"><div>{link}</div><div class="off">{_e(where)}</div>{quotes}</div>'


def _card(incident: Incident) -> str:
    event = incident.event
    title = f"{event.event_type.value}: {event.location}, {event.date or 'date unknown'}"
    return (
        f'<section class="card" id="{_e(incident.incident_id)}"><h2>{_e(title)} '
        f'<span class="n">({incident.n_sources} source{"s" if incident.n_sources > 1 else ""}, '
        f"{len(incident.conflicts)} disputed field{'' if len(incident.conflicts) == 1 else 's'}"
        f")</span></h2>{_field_rows(incident)}"
        f'<div class="sources">{"".join(_source(m) for m in incident.members)}</div></section>'
    )


def render_incidents(incidents: Sequence[Incident], title: str = "Incidents") -> str:
    """The whole page: incidents told by several articles first, then the rest."""
    ordered = sorted(incidents, key=lambda i: -i.n_sources)
    several = sum(1 for i in incidents if i.n_sources > 1)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{CSS}</style></head><body><h1>{_e(title)}</h1>"
        f"<p>{len(incidents)} incidents, {several} told by more than one article. "
        "Highlighted rows are fields on which the sources disagree.</p>"
        + "".join(_card(i) for i in ordered)
        + "</body></html>\n"
    )
