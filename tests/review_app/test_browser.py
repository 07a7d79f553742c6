"""End to end: `extractor review` in a subprocess, driven by Playwright in Debian's Chromium.

Playwright's own browsers cannot be downloaded here, so it launches /usr/bin/chromium
(`executable_path`). One server and one browser serve every test of the module.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extractor.predictions import evaluate_paths, load_gold
from tests.review_app.conftest import RECORDED, SEED, XSS, Run, make_run

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium: apt-get update && apt-get install -y chromium",
    ),
]
SELECT_TEXT = """(phrase) => {
  const root = document.getElementById("article");
  const at = root.textContent.indexOf(phrase);
  if (at < 0) return false;
  const place = (offset) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node, seen = 0;
    while ((node = walker.nextNode())) {
      if (offset <= seen + node.data.length) return [node, offset - seen];
      seen += node.data.length;
    }
    throw new Error("offset past the text");
  };
  const range = document.createRange();
  range.setStart(...place(at));
  range.setEnd(...place(at + phrase.length));
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  return true;
}"""
ADDED_QUOTE = "one late last month on a small U.S. base in eastern Syria"
MORE_EVIDENCE = "This base has faced repeated attacks over the past few weeks"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, str]]:
    """The real CLI serving a fresh run; its base URL."""
    root = tmp_path_factory.mktemp("review")
    run = make_run(root)
    port = free_port()
    log = (root / "server.log").open("w")
    command = [
        *(sys.executable, "-m", "extractor.cli", "review", str(run.run)),
        *("--gold", str(run.gold), "--articles", str(run.articles)),
        *("--port", str(port), "--reviewer", "Tess Tester"),
    ]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"server did not start: {(root / 'server.log').read_text()}")
                time.sleep(0.1)
        yield run, f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def open_article(page: Any, base: str, article_id: str) -> None:
    page.goto(f"{base}/#{article_id}")
    page.wait_for_selector("body[data-ready=true]")


def card(page: Any, index: int) -> Any:
    return page.locator(f'.card[data-index="{index}"]')


def test_accept_correct_reject_add_save_and_reload(served: tuple[Run, str], page: Any) -> None:
    run, base = served
    open_article(page, base, SEED)
    p = page
    assert p.locator(".card").count() == 3
    assert p.locator("#article .hl").count() >= 3
    assert "strike's casualties" in card(p, 1).locator(".reasons").inner_text()

    # accept the first event (button); correct a count of the second and accept it (key)
    card(p, 0).locator("button.accept").click()
    assert card(p, 1).locator("input[name=killed]").input_value() == "4"
    card(p, 1).locator("input[name=killed]").fill("")
    card(p, 1).locator("input[name=killed]").press("Tab")
    card(p, 1).locator(".card-head strong").click()
    p.keyboard.press("a")
    # reject the third with the keyboard
    card(p, 2).locator(".card-head strong").click()
    p.keyboard.press("r")
    # add a missed event by selecting its words in the article
    assert p.evaluate(SELECT_TEXT, ADDED_QUOTE)
    p.click("#add-event")
    added = card(p, 3)
    added.locator("input[name=location]").fill("small U.S. base in eastern Syria")
    added.locator("select[name=salience]").select_option("background")
    added.locator("input[name=country]").fill("Syria")
    added.locator("textarea[name=summary]").fill("An attack on a small U.S. base in eastern Syria.")
    added.locator("textarea[name=summary]").press("Tab")
    # add a second passage to the added event, and drop a quote from the first event
    assert p.evaluate(SELECT_TEXT, MORE_EVIDENCE)
    p.click("#add-evidence")
    card(p, 0).locator(".evidence li").nth(1).locator("button.remove-evidence").click()
    p.fill("#reviewer", "Ann Alyst")
    p.click("#save")
    p.wait_for_selector("#message.ok")

    gold_file = run.gold / f"{SEED}.json"
    gold = json.loads(gold_file.read_text())
    assert [e["killed"] for e in gold["events"]] == [None, None, None]
    assert [e["location"] for e in gold["events"]] == [
        "Ain al Asad Air Base",
        "Ain al Asad base",
        "small U.S. base in eastern Syria",
    ]
    assert gold["events"][2]["evidence"] == [ADDED_QUOTE, MORE_EVIDENCE]
    assert len(gold["events"][0]["evidence"]) == 2
    assert not any("is similar to previous ones" in q for q in gold["events"][0]["evidence"])
    assert gold["events"][2]["salience"] == "background"
    review = json.loads((run.gold / "reviews" / f"{SEED}.json").read_text())
    assert review["reviewer"] == "Ann Alyst" and review["added"] == 1
    # what `extractor eval` runs accepts it
    assert load_gold(run.gold).records[SEED].events[2].location.startswith("small U.S.")
    prediction = run.run.parent / "one.jsonl"
    prediction.write_text((RECORDED / f"{SEED}.json").read_text().replace("\n", " ") + "\n")
    assert evaluate_paths(prediction, run.gold).metrics.n_gold_events == 3

    p.reload()
    p.wait_for_selector("body[data-ready=true]")
    assert [card(p, i).get_attribute("class").split()[1] for i in range(4)] == [
        "accepted",
        "accepted",
        "rejected",
        "accepted",
    ]
    assert card(p, 1).locator("input[name=killed]").input_value() == ""
    assert card(p, 1).locator(".reasons").count() == 0  # cleared on accept
    assert card(p, 3).locator(".evidence").inner_text().startswith(f"\u201c{ADDED_QUOTE}")
    assert "Ann Alyst" in p.inner_text("#saved-state")
    assert "1/2 articles saved" in p.inner_text("#progress")
    p.keyboard.press("n")  # next article
    p.wait_for_function(f"() => location.hash === '#{XSS}'")
    assert p.locator(".card").count() == 1


def test_a_bad_date_is_shown_and_not_saved(served: tuple[Run, str], page: Any) -> None:
    run, base = served
    p = page
    open_article(p, base, XSS)
    date = card(p, 0).locator("input[name=date]")
    date.fill("2024-13-40")
    date.press("Tab")
    p.wait_for_selector("#message.error")
    assert "events[0].fields.date" in p.inner_text("#message")
    draft = run.gold / "reviews" / "drafts" / f"{XSS}.json"
    assert not draft.exists() or "2024-13-40" not in draft.read_text()


def test_markup_in_the_article_and_fields_runs_nothing(served: tuple[Run, str], page: Any) -> None:
    _, base = served
    p = page
    dialogs: list[str] = []
    p.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_article(p, base, XSS)
    p.wait_for_timeout(300)
    assert dialogs == []
    assert p.evaluate("window.__xss") is None
    assert "<script>window.__xss = 1" in p.inner_text("#article")
    assert p.locator("#article img, #cards img, #cards b, #article script").count() == 0
    assert card(p, 0).locator("input[name=location]").input_value().startswith("<img src=x")
    assert "onerror" in card(p, 0).locator(".reasons").inner_text()


def test_two_tabs_on_one_article_conflict_instead_of_overwriting(
    served: tuple[Run, str], browser: Any
) -> None:
    run, base = served
    context = browser.new_context()
    context.set_default_timeout(10_000)
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):
        open_article(tab, base, XSS)
    first_damage = card(first, 0).locator("input[name=damage]")
    first_damage.fill("first tab's words")
    first_damage.press("Tab")
    draft = run.gold / "reviews" / "drafts" / f"{XSS}.json"
    deadline = time.monotonic() + 10
    while "first tab's words" not in (draft.read_text() if draft.exists() else ""):
        assert time.monotonic() < deadline, "the first tab's change was not autosaved"
        time.sleep(0.05)
    second_damage = card(second, 0).locator("input[name=damage]")
    second_damage.fill("second tab's words")
    second_damage.press("Tab")
    second.wait_for_selector("#message.error")
    assert "changed in another tab" in second.inner_text("#message")
    assert "first tab's words" in draft.read_text()  # nothing was overwritten
    second.click("#message-actions button:has-text('Load the other version')")
    assert card(second, 0).locator("input[name=damage]").input_value() == "first tab's words"
    context.close()


def test_path_traversal_and_wrong_types_are_refused(served: tuple[Run, str], page: Any) -> None:
    run, base = served
    p = page
    for article_id in ("..", "..%2F..%2Foutside", "%2E%2E"):
        answer = p.request.put(
            f"{base}/api/articles/{article_id}/draft",
            data={"base_version": 0, "events": []},
        )
        assert answer.status == 404
    assert not (run.gold.parent / "outside.json").exists()
    draft = p.request.get(f"{base}/api/articles/{SEED}").json()["draft"]
    draft["events"][0]["fields"]["killed"] = "many"
    answer = p.request.put(
        f"{base}/api/articles/{SEED}/draft",
        data={"base_version": draft["version"], "events": draft["events"]},
    )
    assert answer.status == 400
    assert answer.json()["error"].startswith("events[0].fields.killed: Input should be a valid")
