"""Make the saved news pages of tests/data/html/ from development-set articles.

Each page wraps one article of gold/dev/articles/ (its first line is the headline, the rest
its paragraphs) in the markup of a typical news site: a header with navigation, a breaking
ticker, a cookie notice, advertisements, share buttons, a byline, "related stories", a
newsletter box, comments and a footer. Five layouts, like five content systems (one of
them, `div_soup`, with no `<article>` or `<main>` and the clutter inside the story's own
container: a photo caption, a "READ MORE" link, a related-stories box); the
publication date and site name come from gold/dev/articles/metadata.json and are written
where such sites write them (`article:published_time`, a `<time>` element, JSON-LD, or not
at all). The boilerplate of every layout is listed in `BOILERPLATE`, so measure.py can say
which of it leaks into the extracted text.

    .venv/bin/python benchmarks/html_inputs/make_pages.py   # rewrites tests/data/html/*.html
"""

from __future__ import annotations

import html
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "gold" / "dev" / "articles"
PAGES = ROOT / "tests" / "data" / "html"
CHOSEN = {  # article -> layout
    "02_ktla-us-strikes-kataib-hezbollah": "tv_station",
    "05_dw-baghdad-embassy-rockets": "broadcaster",
    "10_thenational-israeli-strike-damascus": "newspaper",
    "11_ap-weau-tanf-drone-attack": "tv_station",
    "16_nbc-laboon-missile-shot-down": "live_blog",
    "17_skynews-laboon-missile-shot-down": "newspaper",
    "21_alarabiya-rumalyn-drone-attack": "div_soup",
    "22_amn-rumalyn-drone-attack": "div_soup",
}

NAV = ["Home", "World", "Middle East", "Politics", "Business", "Opinion", "Video", "Podcasts"]
RELATED = [
    "Oil prices climb as shipping firms reroute around the Red Sea",
    "Parliament votes on new budget after months of deadlock",
    "Five things to know before the markets open on Monday",
]
BOILERPLATE = [
    "Subscribe to our newsletter for the day's top stories",
    "We use cookies to improve your experience on our site",
    "Advertisement - story continues below",
    "Share this article on Facebook, X and WhatsApp",
    "Breaking: Storm warnings issued across the northern provinces",
    *RELATED,
    "All rights reserved. Reproduction without permission is prohibited",
    "Terms of Use | Privacy Policy | Contact Us | Careers",
    "Comments are closed for this story",
    "Sign in to join the conversation",
    "Most read this week",
    "Download our app for breaking news alerts",
    "READ MORE: Markets rally as central bank holds rates",
    "File photo: a convoy on a desert road (Reuters)",
]
"""Every boilerplate text the layouts put on a page (measure.py looks for each)."""


def _paragraphs(body: list[str], soup: bool = False) -> str:
    """The article paragraphs, an advertisement after the second one (as sites do); in
    `soup`, a photo caption first and a "READ MORE" link after the third paragraph."""
    out = []
    if soup:
        out.append(
            '<div class="img-wrap"><img src="/photo.jpg" alt="">'
            '<div class="caption">File photo: a convoy on a desert road (Reuters)</div></div>'
        )
    for number, paragraph in enumerate(body, start=1):
        tag = "div" if soup else "p"
        out.append(f'<{tag} class="txt">{html.escape(paragraph)}</{tag}>')
        if soup and number == 3:
            out.append(
                '<div class="txt"><strong><a href="/markets">READ MORE: Markets rally as '
                "central bank holds rates</a></strong></div>"
            )
        if number == 2:
            out.append(
                '<div class="ad-slot" data-ad="mid-article"><span>'
                "Advertisement - story continues below</span></div>"
            )
    return "\n      ".join(out)


def _chrome_top(site: str) -> str:
    links = "".join(f'<li><a href="/{name.lower()}">{name}</a></li>' for name in NAV)
    return f"""<div id="cookie-banner">We use cookies to improve your experience on our site.
    <button>Accept</button></div>
  <header class="site-header"><a class="logo" href="/">{html.escape(site)}</a>
    <nav><ul>{links}</ul></nav>
    <div class="ticker">Breaking: Storm warnings issued across the northern provinces</div>
  </header>
  <div class="ad-banner">Download our app for breaking news alerts</div>"""


def _chrome_bottom(site: str, year: str) -> str:
    related = "".join(f'<li><a href="/story/{i}">{t}</a></li>' for i, t in enumerate(RELATED))
    return f"""<aside class="related"><h3>Most read this week</h3><ul>{related}</ul></aside>
  <div class="newsletter"><h4>Subscribe to our newsletter for the day's top stories</h4>
    <form><input type="email" placeholder="Email"><button>Sign up</button></form></div>
  <section class="comments"><p>Comments are closed for this story.</p>
    <p><a href="/login">Sign in to join the conversation</a></p></section>
  <footer><p>&copy; {year} {html.escape(site)}. All rights reserved. Reproduction without
    permission is prohibited.</p>
    <p>Terms of Use | Privacy Policy | Contact Us | Careers</p></footer>"""


def _share() -> str:
    return '<div class="share">Share this article on Facebook, X and WhatsApp</div>'


def page(layout: str, title: str, body: list[str], site: str, url: str, day: str | None) -> str:
    """One page of `layout` for an article."""
    esc_title = html.escape(title)
    year = day[:4] if day else "2024"
    meta = [
        f'<meta property="og:title" content="{esc_title}">',
        f'<meta property="og:site_name" content="{html.escape(site)}">',
        f'<link rel="canonical" href="{html.escape(url)}">',
    ]
    byline = '<p class="byline">By Staff Writer</p>'
    if day and layout in ("tv_station", "newspaper"):
        meta.append(f'<meta property="article:published_time" content="{day}T08:30:00+00:00">')
    if day and layout == "broadcaster":
        byline += f'<time datetime="{day}T10:15:00Z">{day}</time>'
    if day and layout == "live_blog":
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}
        ld["datePublished"] = f"{day}T21:05:00Z"
        meta.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    head = "\n  ".join(meta)
    soup = layout == "div_soup"
    if day and soup:
        byline += f'<span class="date">Published: {day}</span>'
    wrappers = {"live_blog": 'div class="live-entry"', "div_soup": 'div id="content-body"'}
    wrapper = wrappers.get(layout, "article")
    closing = wrapper.split()[0]
    main = "div" if soup else "main"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{esc_title} | {html.escape(site)}</title>
  {head}
  <script>window.dataLayer = window.dataLayer || []; dataLayer.push({{page: "article"}});</script>
  <style>.ad-slot {{ min-height: 250px; }}</style>
</head>
<body>
  {_chrome_top(site)}
  <{main}>
    <{wrapper}>
      <h1>{esc_title}</h1>
      {byline}
      {_share()}
      {_paragraphs(body, soup)}
      {_share()}
    </{closing}>
  </{main}>
  {_chrome_bottom(site, year)}
</body>
</html>
"""


def article_parts(text: str) -> tuple[str, list[str]]:
    """The headline (first line) and paragraphs (blank-line separated) of a .txt article."""
    blocks = [" ".join(b.split()) for b in text.strip().split("\n\n") if b.strip()]
    if len(blocks) == 1:  # some articles put one paragraph a line, with no blank lines
        blocks = [line.strip() for line in text.splitlines() if line.strip()]
    return blocks[0], blocks[1:]


def main() -> None:
    """Write every chosen article's page."""
    metadata = json.loads((ARTICLES / "metadata.json").read_text(encoding="utf-8"))
    PAGES.mkdir(parents=True, exist_ok=True)
    for article_id, layout in CHOSEN.items():
        title, body = article_parts((ARTICLES / f"{article_id}.txt").read_text(encoding="utf-8"))
        info = metadata[article_id]
        text = page(layout, title, body, info["outlet"], info["url"], info["published"])
        (PAGES / f"{article_id}.html").write_text(text, encoding="utf-8")
        print(f"{article_id}.html ({layout}, {len(text)} bytes)")


if __name__ == "__main__":
    main()
