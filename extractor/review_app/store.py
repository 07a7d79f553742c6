"""The review's files: the run being reviewed (read-only) and the gold folder it writes.

    GOLD/<article_id>.json                gold, exactly the `gold/` format (`extractor eval`)
    GOLD/articles/<article_id>.txt        the article text, so GOLD is a complete gold set
    GOLD/reviews/<article_id>.json        who saved it and when, and what they did (beside
                                          the gold, never in it)
    GOLD/reviews/drafts/<article_id>.json the draft, written on every change

Every file is written atomically (temp file + `os.replace`). Writes go only to those paths:
an article id must be one the run holds and safe as a file name. A write names the draft
version it started from; a stale one (another tab saved since) is a `ConflictError` that
carries the current draft, so the page can ask instead of overwriting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.articles import read_articles
from extractor.core.errors import InputError
from extractor.core.schema import ArticleEvents
from extractor.outputs import atomic_write_text
from extractor.predictions import (
    ARTICLES_SUBDIR,
    EXTRACT_EVENTS,
    describe_validation_error,
    load_predictions,
)
from extractor.review_app.drafts import (
    Draft,
    DraftError,
    DraftEvent,
    Status,
    check_spans,
    draft_from_run,
    to_gold,
)
from extractor.review_app.sqlite_run import is_sqlite_run, load_sqlite_run

SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
REVIEWS_SUBDIR = "reviews"
DRAFTS_SUBDIR = "drafts"


class UnknownArticleError(LookupError):
    """An article id the run does not hold, or one that cannot name a file."""


class ConflictError(RuntimeError):
    """A write based on an old version: `current` is what is on disk now."""

    def __init__(self, message: str, current: Draft) -> None:
        super().__init__(message)
        self.current = current


def _etag(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return None


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _run_reasons(run: Path) -> dict[str, list[list[str]]]:
    """Each article's per-event `review_reasons` from the run's own files (best effort: the
    events themselves were already validated by `load_predictions`)."""
    if run.is_file():
        lines = run.read_text(encoding="utf-8").splitlines()
    else:
        files = sorted((run / ARTICLES_SUBDIR).glob("*.json")) or sorted(run.glob("*.json"))
        lines = [path.read_text(encoding="utf-8") for path in files]
        if not files and (run / EXTRACT_EVENTS).is_file():
            lines = (run / EXTRACT_EVENTS).read_text(encoding="utf-8").splitlines()
    reasons: dict[str, list[list[str]]] = {}
    for line in lines:
        try:
            raw = json.loads(line)
            events = raw["events"]
            reasons[raw["article_id"]] = [
                [str(r) for r in e.get("review_reasons") or []] for e in events
            ]
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return reasons


def _load_texts(articles: Path) -> dict[str, str]:
    batch = read_articles([articles])
    if batch.problems:
        raise InputError(batch.problems[0].message)
    return {a.article_id: a.text for a in batch.articles}


@dataclass
class ReviewStore:
    """One review session: the run's events and texts, and the gold folder it writes."""

    run: Path
    gold_dir: Path
    predictions: dict[str, ArticleEvents]
    texts: dict[str, str]
    reasons: dict[str, list[list[str]]]
    reviewer: str
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _fresh: dict[str, Draft] = field(default_factory=dict, repr=False)
    """Drafts made from the run, grounded once per session (grounding is fuzzy search)."""

    @classmethod
    def open(
        cls, run: Path, gold_dir: Path, articles: Path | None = None, reviewer: str = "reviewer"
    ) -> ReviewStore:
        """Load the run (an output folder, records, or an `extract --sqlite` file) and the
        article texts; `InputError` (one line) when either is bad.

        Texts come from `articles` (what `extract` read), else from `GOLD/articles`.
        """
        if is_sqlite_run(run):
            predictions, reasons = load_sqlite_run(run)
        else:
            predictions, reasons = load_predictions(run), _run_reasons(run)
        bad = sorted(a for a in predictions if not SAFE_ID.match(a) or ".." in a)
        if bad:
            raise InputError(f"{run}: article id {bad[0]!r} cannot name a gold file")
        source = articles or gold_dir / ARTICLES_SUBDIR
        if not source.exists():
            raise InputError(
                f"{source}: no article texts; pass --articles (the files `extract` read)"
            )
        texts = _load_texts(source)
        textless = sorted(set(predictions) - set(texts))
        if textless:
            raise InputError(f"{source}: no article text for {', '.join(textless[:5])}")
        gold_dir.mkdir(parents=True, exist_ok=True)
        return cls(run, gold_dir, predictions, texts, reasons, reviewer)

    # paths ------------------------------------------------------------------------------

    def check_id(self, article_id: str) -> str:
        """`article_id` when the run holds it and it is safe in a path; else an error."""
        if not SAFE_ID.match(article_id) or ".." in article_id:
            raise UnknownArticleError(f"not an article id: {article_id!r}")
        if article_id not in self.predictions:
            raise UnknownArticleError(f"no article {article_id!r} in {self.run}")
        return article_id

    def _inside(self, *parts: str) -> Path:
        path = self.gold_dir.joinpath(*parts)
        if not path.resolve().is_relative_to(self.gold_dir.resolve()):
            raise UnknownArticleError(f"not inside the gold folder: {path}")
        return path

    def gold_path(self, article_id: str) -> Path:
        """Where the article's gold file goes."""
        return self._inside(f"{self.check_id(article_id)}.json")

    def _draft_path(self, article_id: str) -> Path:
        return self._inside(REVIEWS_SUBDIR, DRAFTS_SUBDIR, f"{self.check_id(article_id)}.json")

    def _review_path(self, article_id: str) -> Path:
        return self._inside(REVIEWS_SUBDIR, f"{self.check_id(article_id)}.json")

    # drafts -----------------------------------------------------------------------------

    def article_ids(self) -> list[str]:
        """The run's articles, sorted."""
        return sorted(self.predictions)

    def load_draft(self, article_id: str) -> Draft:
        """The saved draft, or a fresh one from the run (not written until changed)."""
        path = self._draft_path(article_id)
        if path.is_file():
            try:
                return Draft.model_validate_json(path.read_text(encoding="utf-8"))
            except ValidationError as exc:
                raise InputError(f"{path}: {describe_validation_error(exc)}") from None
        if article_id not in self._fresh:
            self._fresh[article_id] = draft_from_run(
                article_id,
                list(self.predictions[article_id].events),
                self.reasons.get(article_id, []),
                self.texts[article_id],
            )
        return self._fresh[article_id].model_copy(
            deep=True, update={"gold_etag": _etag(self.gold_path(article_id))}
        )

    def write_draft(self, article_id: str, base_version: int, events: list[DraftEvent]) -> Draft:
        """Replace the draft's events when `base_version` is the current one."""
        check_spans(events, self.texts[self.check_id(article_id)])
        with self._lock:
            current = self.load_draft(article_id)
            if base_version != current.version:
                raise ConflictError(
                    f"{article_id} was changed in another tab (version {current.version}, "
                    f"yours {base_version})",
                    current,
                )
            for event in events:
                if event.status is Status.ACCEPTED:
                    event.review_reasons = []
            draft = current.model_copy(update={"events": events, "version": base_version + 1})
            atomic_write_text(self._draft_path(article_id), draft.model_dump_json(indent=1))
            return draft

    # gold -------------------------------------------------------------------------------

    def save_gold(
        self, article_id: str, base_version: int, reviewer: str, force: bool = False
    ) -> dict[str, Any]:
        """Write the draft's accepted events as gold, plus the text and the review record.

        A stale `base_version`, or a gold file changed since the draft began (unless
        `force`), is a `ConflictError`; an unfinished draft is a `DraftError`.
        """
        text = self.texts[self.check_id(article_id)]
        with self._lock:
            draft = self.load_draft(article_id)
            if base_version != draft.version:
                raise ConflictError(
                    f"{article_id} was changed in another tab (version {draft.version}, "
                    f"yours {base_version})",
                    draft,
                )
            gold_path = self.gold_path(article_id)
            if not force and _etag(gold_path) != draft.gold_etag:
                raise ConflictError(
                    f"{gold_path} changed since this draft began (saved elsewhere)", draft
                )
            gold = to_gold(draft, text)
            text_path = self._inside(ARTICLES_SUBDIR, f"{article_id}.txt")
            if text_path.is_file() and text_path.read_text(encoding="utf-8") != text:
                raise DraftError(f"{text_path} holds a different text for this article")
            if not text_path.is_file():
                atomic_write_text(text_path, text)
            atomic_write_text(gold_path, gold.model_dump_json(indent=2) + "\n")
            review = {
                "article_id": article_id,
                "reviewer": reviewer or self.reviewer,
                "saved_at": _now(),
                "run": str(self.run),
                "events": {s.value: _count(draft, s) for s in Status},
                "added": sum(1 for e in draft.events if e.key.startswith("a")),
                "edited": sum(1 for e in draft.events if _edited(e)),
            }
            atomic_write_text(self._review_path(article_id), json.dumps(review, indent=2) + "\n")
            saved = draft.model_copy(
                update={"version": draft.version + 1, "gold_etag": _etag(gold_path)}
            )
            atomic_write_text(self._draft_path(article_id), saved.model_dump_json(indent=1))
            return {"gold": str(gold_path), "review": review, "draft": saved}

    def review_record(self, article_id: str) -> dict[str, Any] | None:
        """Who saved the article's gold and when, or None."""
        path = self._review_path(article_id)
        if not path.is_file():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def progress(self) -> list[dict[str, Any]]:
        """Per article: events decided / total, and whether its gold is saved and current."""
        rows = []
        for article_id in self.article_ids():
            draft = self.load_draft(article_id)
            decided = sum(1 for e in draft.events if e.status is not Status.PENDING)
            review = self.review_record(article_id)
            rows.append(
                {
                    "article_id": article_id,
                    "events": len(draft.events),
                    "decided": decided,
                    "saved": review is not None,
                    "saved_at": review["saved_at"] if review else None,
                    "needs_review": sum(1 for e in draft.events if e.review_reasons),
                }
            )
        return rows


def _count(draft: Draft, status: Status) -> int:
    return sum(1 for e in draft.events if e.status is status)


def _edited(event: DraftEvent) -> bool:
    if event.original is None:
        return False
    fields = event.fields.model_dump(mode="json")
    quotes = [s.quote for s in event.evidence]
    return any(fields[k] != v for k, v in event.original.items() if k in fields) or (
        quotes != event.original.get("evidence")
    )
