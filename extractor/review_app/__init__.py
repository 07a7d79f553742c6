"""`extractor review`: a local web app to accept, correct, reject and add events, saving gold.

    store.py     the run under review and the gold folder it writes (drafts, gold, sidecars)
    sqlite_run.py  a run read back from the SQLite file of `extract --sqlite`
    drafts.py    the draft model (loose while editing) and its strict conversion to gold
    changes.py   the diff against the run and saved gold; the score with eval's scorer
    routes.py    the Starlette app: the page, static files, the JSON API
    static/      the page: plain HTML, CSS and JS, served from the package (no CDN, no build)
    screenshots.py  the docs' screenshots, taken with Playwright (dev tooling)

Nothing else of ours imports this package except the CLI (an import-linter contract).
"""

from __future__ import annotations

from extractor.review_app.routes import create_app
from extractor.review_app.store import ReviewStore

DEFAULT_HOST = "127.0.0.1"
"""The only address the app binds: it writes files, so it is never on the network."""

__all__ = ["DEFAULT_HOST", "ReviewStore", "create_app"]
