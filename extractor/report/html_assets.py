"""The inline CSS and JavaScript of the HTML report (no CDN: the page works offline).

The page is complete without the script: highlights, cards and the links between them are
plain HTML written by `extractor.report.html`. The script only adds convenience: hovering
or focusing a highlight lights up its event card and vice versa.
"""

from __future__ import annotations

CSS = """
:root { --ok: #1b7f3b; --bad: #b3261e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
  color: #1f2328; background: #f6f8fa; }
header, main { max-width: 1400px; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; } h3 { font-size: 1rem; }
table.summary { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
table.summary th, table.summary td { border: 1px solid var(--line); padding: .25rem .5rem;
  text-align: right; white-space: nowrap; }
table.summary th:first-child, table.summary td:first-child { text-align: left; }
tr.failed td { background: #ffebe9; } tr.unavailable td { color: var(--muted); }
.notes { color: var(--muted); }
nav.toc a { margin-right: .75rem; }
section.article { background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: .5rem 1rem 1rem; margin: 1rem 0; }
details.run { border-top: 1px solid var(--line); padding-top: .5rem; margin-top: .5rem; }
details.run > summary { cursor: pointer; font-weight: 600; }
.badge { display: inline-block; border-radius: 1em; padding: 0 .5em; margin-left: .4em;
  font-size: .8em; font-weight: 500; border: 1px solid currentColor; }
.badge.matched { color: var(--ok); } .badge.mismatches { color: var(--warn); }
.badge.missed, .badge.spurious { color: var(--bad); }
.run-body { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; }
.text { white-space: pre-wrap; font-family: Georgia, serif; font-size: 15px; line-height: 1.6; }
mark { background: #fff3b0; padding: 0 .05em; border-radius: 2px; }
mark.multi { background: #ffd8a8; }
mark a { color: inherit; text-decoration: none; }
mark.active, mark:target { background: #ffb347; outline: 2px solid #e8590c; }
.cards { display: flex; flex-direction: column; gap: .5rem; align-self: start;
  position: sticky; top: 0; max-height: 100vh; overflow-y: auto; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 4px;
  padding: .4rem .6rem; background: #fff; }
.card.matched { border-left-color: var(--ok); } .card.spurious { border-left-color: var(--bad); }
.card.missed { border-left-color: var(--warn); background: #fff8e6; }
.card.active, .card:target { box-shadow: 0 0 0 2px #e8590c; }
.card h4 { margin: 0 0 .25rem; font-size: .95rem; }
.card .kind { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; }
.card table { border-collapse: collapse; width: 100%; font-size: .85em; }
.card td, .card th { border-top: 1px solid #eaeef2; padding: .1rem .3rem; text-align: left;
  vertical-align: top; }
tr.mismatch td { background: #ffebe9; } tr.mismatch td.field::after { content: " \\2260"; }
ul.quotes { margin: .25rem 0; padding-left: 1.2rem; }
li.ungrounded { color: var(--bad); }
.error { color: var(--bad); }
@media (max-width: 900px) { .run-body { grid-template-columns: 1fr; } }
"""

JS = """
(function () {
  function marksFor(id) {
    return document.querySelectorAll('mark[data-events~="' + id + '"]');
  }
  function setActive(id, on) {
    marksFor(id).forEach(function (m) { m.classList.toggle('active', on); });
    var card = document.getElementById(id);
    if (card) { card.classList.toggle('active', on); }
  }
  document.querySelectorAll('mark[data-event]').forEach(function (mark) {
    var id = mark.getAttribute('data-event');
    ['mouseenter', 'focusin'].forEach(function (e) {
      mark.addEventListener(e, function () { setActive(id, true); });
    });
    ['mouseleave', 'focusout'].forEach(function (e) {
      mark.addEventListener(e, function () { setActive(id, false); });
    });
  });
  document.querySelectorAll('.card[data-event]').forEach(function (card) {
    var id = card.id;
    card.addEventListener('mouseenter', function () { setActive(id, true); });
    card.addEventListener('mouseleave', function () { setActive(id, false); });
  });
  document.documentElement.setAttribute('data-report-ready', 'yes');
})();
"""
