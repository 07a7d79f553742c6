"""The review app's HTTP surface: one page, its static files, and a small JSON API.

    GET  /                              the page (static/index.html)
    GET  /api/articles                  progress: per article, events decided and saved
    GET  /api/articles/{id}             the text, the draft and who saved its gold
    PUT  /api/articles/{id}/draft       {base_version, events}: autosave of every change
    POST /api/articles/{id}/gold        {base_version, reviewer, force}: write gold
    GET  /api/articles/{id}/diff        what the reviewer changed (run, saved gold)
    POST /api/score                     the run against the reviewed gold (eval's scorer)

Answers: 400 a bad value (the message names the field), 404 an unknown article id, 409 a
conflict (with the current draft, so the page can ask), 415 a body that is not JSON (a page
on another site cannot post JSON here without a CORS preflight, which is never granted).
Only hosts 127.0.0.1 and localhost are answered (no DNS rebinding).
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from extractor.core.errors import InputError
from extractor.review_app.changes import article_diff, score_reviewed
from extractor.review_app.drafts import DraftError, parse_events
from extractor.review_app.store import ConflictError, ReviewStore, UnknownArticleError

STATIC = files("extractor.review_app") / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise _BadRequest(415, "send JSON (Content-Type: application/json)")
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise _BadRequest(400, f"malformed JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _BadRequest(400, "expected a JSON object")
    return body


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _BadRequest(400, f"{key}: expected an integer, got {value!r}")
    return value


def _handle(handler: Any) -> Any:
    """Turn our errors into JSON answers with one clear message."""

    async def wrapped(request: Request) -> Response:
        try:
            response: Response = await handler(request)
        except _BadRequest as exc:
            return _error(exc.status, str(exc))
        except UnknownArticleError as exc:
            return _error(404, str(exc))
        except ConflictError as exc:
            return _error(409, str(exc), current=exc.current.model_dump(mode="json"))
        except (DraftError, InputError) as exc:
            return _error(400, str(exc))
        response.headers.update(SECURITY_HEADERS)
        return response

    return wrapped


def _store(request: Request) -> ReviewStore:
    store: ReviewStore = request.app.state.store
    return store


async def index(request: Request) -> Response:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    return Response(page, media_type="text/html; charset=utf-8")


async def list_articles(request: Request) -> Response:
    store = _store(request)
    return JSONResponse(
        {
            "run": str(store.run),
            "gold_dir": str(store.gold_dir),
            "reviewer": store.reviewer,
            "articles": store.progress(),
        }
    )


async def get_article(request: Request) -> Response:
    store = _store(request)
    article_id = store.check_id(request.path_params["article_id"])
    return JSONResponse(
        {
            "article_id": article_id,
            "text": store.texts[article_id],
            "draft": store.load_draft(article_id).model_dump(mode="json"),
            "review": store.review_record(article_id),
            "gold_exists": store.gold_path(article_id).is_file(),
        }
    )


async def put_draft(request: Request) -> Response:
    store = _store(request)
    article_id = store.check_id(request.path_params["article_id"])
    body = await _json_body(request)
    events = parse_events(body.get("events"))
    draft = store.write_draft(article_id, _int(body, "base_version"), events)
    return JSONResponse({"version": draft.version, "draft": draft.model_dump(mode="json")})


async def save_gold(request: Request) -> Response:
    store = _store(request)
    article_id = store.check_id(request.path_params["article_id"])
    body = await _json_body(request)
    reviewer = body.get("reviewer") or store.reviewer
    if not isinstance(reviewer, str) or len(reviewer) > 100:
        raise _BadRequest(400, "reviewer: expected a name (at most 100 characters)")
    result = store.save_gold(
        article_id, _int(body, "base_version"), reviewer, force=body.get("force") is True
    )
    return JSONResponse(
        {
            "gold": result["gold"],
            "review": result["review"],
            "draft": result["draft"].model_dump(mode="json"),
        }
    )


async def get_diff(request: Request) -> Response:
    store = _store(request)
    return JSONResponse(article_diff(store, store.check_id(request.path_params["article_id"])))


async def post_score(request: Request) -> Response:
    await _json_body(request)
    return JSONResponse(score_reviewed(_store(request)))


def create_app(store: ReviewStore) -> Starlette:
    """The Starlette app over one review session."""
    app = Starlette(
        routes=[
            Route("/", _handle(index)),
            Route("/api/articles", _handle(list_articles)),
            Route("/api/articles/{article_id}", _handle(get_article)),
            Route("/api/articles/{article_id}/draft", _handle(put_draft), methods=["PUT"]),
            Route("/api/articles/{article_id}/gold", _handle(save_gold), methods=["POST"]),
            Route("/api/articles/{article_id}/diff", _handle(get_diff)),
            Route("/api/score", _handle(post_score), methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"]),
        ],
    )
    app.state.store = store
    return app
