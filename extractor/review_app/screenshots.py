"""Screenshots of the review app for the docs: `python -m extractor.review_app.screenshots`.

Serves the recorded default-model outputs on the five seed articles (a throwaway gold
folder) and photographs the main screens with Playwright in Debian's Chromium:
docs/screenshots/review-{article,add-event,diff,score}.png. Needs the dev extra (playwright)
and /usr/bin/chromium; run from the repository root.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from extractor.review_app import DEFAULT_HOST, ReviewStore, create_app

RUN = Path("evals/recorded/local-qwen2.5-coder-1.5b")
ARTICLES = Path("gold/articles")
ARTICLE = "001_502a541b01eeb6f6"
MISSED = "one late last month on a small U.S. base in eastern Syria"
SELECT = """(phrase) => {
  const root = document.getElementById("article");
  const at = root.textContent.indexOf(phrase);
  const place = (offset) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node, seen = 0;
    while ((node = walker.nextNode())) {
      if (offset <= seen + node.data.length) return [node, offset - seen];
      seen += node.data.length;
    }
  };
  const range = document.createRange();
  range.setStart(...place(at));
  range.setEnd(...place(at + phrase.length));
  getSelection().removeAllRanges();
  getSelection().addRange(range);
}"""


def _serve(store: ReviewStore) -> tuple[Any, str]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind((DEFAULT_HOST, 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host=DEFAULT_HOST, port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the review server did not start")
        time.sleep(0.05)
    return server, f"http://{DEFAULT_HOST}:{port}"


def _shoot(page: Any, base: str, out: Path) -> None:
    page.goto(f"{base}/#{ARTICLE}")
    page.wait_for_selector("body[data-ready=true]")
    cards = page.locator(".card")
    cards.nth(0).locator("button.accept").click()
    cards.nth(1).locator(".card-head strong").click()
    page.screenshot(path=str(out / "review-article.png"))
    cards.nth(1).locator("input[name=killed]").fill("")
    cards.nth(1).locator("input[name=killed]").press("Tab")
    cards.nth(1).locator("button.accept").click()
    for name, value in (("killed", "5"), ("injured", "")):
        cards.nth(2).locator(f"input[name={name}]").fill(value)
        cards.nth(2).locator(f"input[name={name}]").press("Tab")
    cards.nth(2).locator("select[name=salience]").select_option("background")
    cards.nth(2).locator("button.accept").click()
    page.evaluate(SELECT, MISSED)
    page.click("#add-event")
    added = page.locator(".card").nth(3)
    added.locator("input[name=location]").fill("small U.S. base in eastern Syria")
    added.locator("select[name=salience]").select_option("background")
    added.locator("input[name=country]").fill("Syria")
    added.locator("textarea[name=summary]").fill("An attack on a small U.S. base in eastern Syria.")
    added.locator("textarea[name=summary]").press("Tab")
    page.evaluate(SELECT, MISSED)
    page.screenshot(path=str(out / "review-add-event.png"))
    page.fill("#reviewer", "Ann Alyst")
    page.click("#save")
    page.wait_for_selector("#message.ok")
    page.click("#show-diff")
    page.wait_for_selector("#panel:not([hidden])")
    page.screenshot(path=str(out / "review-diff.png"))
    page.click("#panel-close")
    page.click("#score")
    page.wait_for_selector("#score-table")
    page.screenshot(path=str(out / "review-score.png"))


def main() -> None:
    """Write the screenshots into the folder given (default docs/screenshots)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = ReviewStore.open(RUN, Path(tmp) / "gold", ARTICLES, "Ann Alyst")
        server, base = _serve(store)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 860})
                _shoot(page, base, args.out)
                browser.close()
        finally:
            server.should_exit = True
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
