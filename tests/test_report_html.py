"""The HTML report: highlights, cards, links both ways, gold diff, escaping, a real browser.

Pages are checked by parsing them (html.parser), never by searching the source text.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from extractor.core.schema import ArticleEvents, Event
from extractor.grounding import ground_events
from extractor.report.build import build_report_page, write_report
from extractor.report.html import ArticleView, ReportPage, RunView, SummaryTable, render_report
from extractor.scoring import score_article

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Dom(HTMLParser):
    """Every element with its attributes, and the text inside marks, scripts, divs, p, li."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag in ("mark", "script", "div", "p", "li"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        """Elements of `tag` whose attributes contain `attrs` (class matches one class)."""

        def matches(e: Element) -> bool:
            for key, value in attrs.items():
                key = key.rstrip("_")
                have = e.attrs.get(key)
                if have is None or (value not in have.split() if key == "class" else have != value):
                    return False
            return True

        return [e for e in self.elements if e.tag == tag and matches(e)]

    def ids(self) -> set[str]:
        return {e.attrs["id"] for e in self.elements if "id" in e.attrs}


def parse(page: str) -> Dom:
    dom = Dom()
    dom.feed(page)
    dom.close()
    return dom


TEXT = (
    "On Sunday two rockets hit Camp Larch <script>alert(1)</script> near the river. "
    "Later, a drone was shot down over Al-Qaim. Nothing else happened."
)


def page_for(events: list[Event], gold: list[Event] | None = None) -> ReportPage:
    grounded = tuple(ground_events(events, TEXT))
    matches = None
    gold_records = None
    if gold is not None:
        gold_record = ArticleEvents(article_id="a1", events=gold)
        gold_records = {"a1": gold_record}
        score = score_article(ArticleEvents(article_id="a1", events=events), gold_record, TEXT)
        matches = score.matches
    view = ArticleView(events=grounded, matches=matches)
    return ReportPage(
        title="t",
        texts={"a1": TEXT},
        runs=(RunView("run <1>", {"a1": view}),),
        summary=SummaryTable(("backend",), (("run <1>",),)),
        gold=gold_records,
    )


def test_one_highlight_per_grounded_quote(make_event: Callable[..., Event]) -> None:
    events = [
        make_event(evidence=["two rockets hit Camp Larch", "not in the article at all"]),
        make_event(location="Al-Qaim", evidence=["a drone was shot down over Al-Qaim"]),
    ]
    dom = parse(render_report(page_for(events)))
    marks = dom.find("mark")
    assert len(marks) == 2  # the ungrounded quote gets none
    assert [m.attrs["data-event"] for m in marks] == ["r0-a0-e0", "r0-a0-e1"]
    assert [m.text for m in marks] == [
        "two rockets hit Camp Larch",
        "a drone was shot down over Al-Qaim",
    ]
    ungrounded = dom.find("li", class_="ungrounded")
    assert len(ungrounded) == 1 and "not in the article" in ungrounded[0].text


def test_links_go_both_ways(make_event: Callable[..., Event]) -> None:
    events = [
        make_event(evidence=["two rockets hit Camp Larch on Sunday"[:26]]),
        make_event(location="Al-Qaim", evidence=["a drone was shot down over Al-Qaim"]),
    ]
    dom = parse(render_report(page_for(events)))
    ids = dom.ids()
    cards = dom.find("div", class_="card")
    assert [c.attrs["id"] for c in cards] == ["r0-a0-e0", "r0-a0-e1"]
    links = [a.attrs["href"][1:] for a in dom.find("a") if a.attrs.get("href", "").startswith("#r")]
    assert {"r0-a0-e0", "r0-a0-e1", "r0-a0-e0-q0", "r0-a0-e1-q0"} <= set(links)
    assert set(links) <= ids  # every in-page link has a target


def test_overlapping_quotes_each_keep_a_highlight(make_event: Callable[..., Event]) -> None:
    events = [
        make_event(evidence=["two rockets hit Camp Larch"]),
        make_event(location="Larch", evidence=["hit Camp Larch"]),
        make_event(location="Camp Larch", evidence=["two rockets hit Camp Larch"]),
    ]
    dom = parse(render_report(page_for(events)))
    quotes = {q for m in dom.find("mark") for q in m.attrs["data-quotes"].split()}
    assert quotes == {"r0-a0-e0-q0", "r0-a0-e1-q0", "r0-a0-e2-q0"}
    assert {"r0-a0-e0-q0", "r0-a0-e1-q0", "r0-a0-e2-q0"} <= dom.ids()


def test_article_text_and_model_strings_are_escaped(make_event: Callable[..., Event]) -> None:
    events = [
        make_event(summary="<img src=x onerror=alert(2)>", evidence=["<script>alert(1)</script>"])
    ]
    dom = parse(render_report(page_for(events)))
    assert len(dom.find("script")) == 1  # only the page's own script
    assert dom.find("img") == []
    (mark,) = dom.find("mark")
    assert mark.text == "<script>alert(1)</script>"
    assert any("<img src=x" in p.text for p in dom.find("p"))


def test_gold_diff_marks_matched_spurious_missed_and_mismatches(
    make_event: Callable[..., Event],
) -> None:
    gold = [
        make_event(evidence=["two rockets hit Camp Larch"]),
        make_event(
            event_type="attack",
            location="Al-Qaim",
            weapon_types=["drone"],
            projectiles=1,
            intercepted=1,
            date_text="Later",
            evidence=["a drone was shot down over Al-Qaim"],
        ),
    ]
    pred = [
        make_event(projectiles=5, evidence=["two rockets hit Camp Larch"]),
        make_event(event_type="strike", location="Baghdad", evidence=["Nothing else happened."]),
    ]
    dom = parse(render_report(page_for(pred, gold)))
    assert len(dom.find("div", class_="matched")) == 1
    assert len(dom.find("div", class_="spurious")) == 1
    missed = dom.find("div", class_="missed")
    assert len(missed) == 1 and "Al-Qaim" in missed[0].text
    mismatch_fields = [
        e for e in dom.elements if e.tag == "tr" and "mismatch" in e.attrs.get("class", "")
    ]
    assert len(mismatch_fields) == 1  # projectiles 5 vs 2


def report_of_gold(tmp_path: Path) -> Path:
    page = build_report_page(REPO / "gold", REPO / "gold")
    return write_report(page, tmp_path / "report.html")


def gold_quote_count() -> int:
    from extractor.predictions import load_gold

    gold = load_gold(REPO / "gold")
    return sum(
        span.found
        for article_id, record in gold.records.items()
        for event in ground_events(record.events, gold.texts[article_id])
        for span in event.evidence_spans
    )


def test_the_gold_report_highlights_every_gold_quote(tmp_path: Path) -> None:
    dom = parse(report_of_gold(tmp_path).read_text(encoding="utf-8"))
    quotes = {q for m in dom.find("mark") for q in m.attrs["data-quotes"].split()}
    assert len(quotes) == gold_quote_count()
    assert dom.find("div", class_="spurious") == [] and dom.find("div", class_="missed") == []


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium: apt-get update && apt-get install -y chromium chromium-driver",
)
def test_headless_chromium_renders_highlights_and_cards(tmp_path: Path) -> None:
    report = report_of_gold(tmp_path)
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--dump-dom",
        report.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = parse(done.stdout)
    html_element = dom.find("html")[0]
    assert html_element.attrs.get("data-report-ready") == "yes"  # the inline script ran
    quotes = {q for m in dom.find("mark") for q in m.attrs["data-quotes"].split()}
    assert len(quotes) == gold_quote_count()
    cards = dom.find("div", class_="card")
    assert len(cards) == sum(1 for _ in dom.find("div", class_="matched")) > 0
    assert {m.attrs["data-event"] for m in dom.find("mark")} <= {c.attrs["id"] for c in cards}
