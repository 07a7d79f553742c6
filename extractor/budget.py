"""Cost before and during a paid run: estimate a batch, stop before passing a budget.

`estimate_batch` counts what a run would send, without sending it: the runner's own
prompts, one request per chunk of each article (`CachedRunner.requests_for`), the schema
the backend adds to each request, estimated with `extractor.chunking.estimate_tokens`;
answers are estimated at `ANSWER_TOKENS_PER_CALL`. Only strategies that make one call per
chunk can be estimated so (`single-call`, and backends without a strategy); the pipeline
strategies make calls per sentence and per incident, known only while running: `sentence`
is estimated roughly from ratios measured on recorded runs (`MEASURED_STRATEGIES`), the
others not at all.

`CostGuard` keeps a run under `--max-cost`: before an article starts, it adds the
article's expected cost to what finished articles cost and what is in flight, and ends the
batch there if the sum would pass the budget. The expected cost is the article's estimate
scaled by how far the finished articles' real cost was from their estimates (re-asks,
longer answers), or, with no estimate, the finished articles' mean. Finished articles are
kept, and the rest are reported as not attempted, as when an endpoint is unreachable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from extractor.articles import Article
from extractor.backends.base import Backend
from extractor.chunking import estimate_tokens
from extractor.core.errors import ConfigError
from extractor.pricing import Price, load_prices, price_for
from extractor.runner import CachedRunner, Outcome

ANSWER_TOKENS_PER_CALL = 1200
"""Expected answer of one `single-call` request: the hand-labelled gold answers measure
1,260 estimated tokens on average (5 articles in gold/, median 1,163)."""

ESTIMATED_STRATEGIES = frozenset({"single-call", None})


@dataclass(frozen=True)
class MeasuredRatios:
    """A pipeline strategy's calls and tokens per estimated token of article text."""

    input_per_article_token: float
    calls_per_article_token: float
    output_per_call: float


MEASURED_STRATEGIES: dict[str, MeasuredRatios] = {
    "sentence": MeasuredRatios(12.6, 0.0202, 49.0),
}
"""Pipeline strategies whose calls depend on the text, estimated roughly from ratios
measured on the 27 gold and development articles: their 254 recorded calls replayed with
the call log on (`python -m benchmarks.call_log_size`). Per article the input ratio spread
is about +-21% (sd 2.9 around 13.4); `staged` and `oneshot` were not measured."""


@dataclass(frozen=True)
class ArticleEstimate:
    """What one article is expected to send and get back."""

    article_id: str
    calls: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class BatchEstimate:
    """A batch's expected calls and tokens; `articles` is empty when not estimable."""

    articles: tuple[ArticleEstimate, ...]
    strategy: str | None
    estimable: bool
    rough: bool = False
    """Estimated from measured ratios (`MEASURED_STRATEGIES`), not from the prompts."""

    @property
    def calls(self) -> int:
        """Requests, one per chunk (re-asks and retries add to it)."""
        return sum(a.calls for a in self.articles)

    @property
    def input_tokens(self) -> int:
        """Estimated prompt tokens."""
        return sum(a.input_tokens for a in self.articles)

    @property
    def output_tokens(self) -> int:
        """Estimated answer tokens."""
        return sum(a.output_tokens for a in self.articles)

    def cost(self, price: Price | None) -> float | None:
        """Estimated dollars at `price` (None: unknown)."""
        if price is None or not self.estimable:
            return None
        return price.cost(self.input_tokens, self.output_tokens)


def estimate_batch(runner: CachedRunner, articles: Iterable[Article]) -> BatchEstimate:
    """What running `runner` over `articles` would send, by the runner's own prompts."""
    info = runner.backend.info
    strategy = info.params.get("strategy")
    strategy = str(strategy) if strategy is not None else None
    ratios = MEASURED_STRATEGIES.get(strategy or "")
    if ratios is not None:
        return _rough_estimate(ratios, strategy, articles)
    if strategy not in ESTIMATED_STRATEGIES:
        return BatchEstimate((), strategy, estimable=False)
    estimates = []
    for article in articles:
        requests = runner.requests_for(article)
        tokens = sum(
            estimate_tokens(system) + estimate_tokens(user) + info.request_overhead_tokens
            for system, user in requests
        )
        estimates.append(
            ArticleEstimate(
                article.article_id,
                len(requests),
                tokens,
                ANSWER_TOKENS_PER_CALL * len(requests),
            )
        )
    return BatchEstimate(tuple(estimates), strategy, estimable=True)


def _rough_estimate(
    ratios: MeasuredRatios, strategy: str | None, articles: Iterable[Article]
) -> BatchEstimate:
    estimates = []
    for article in articles:
        tokens = estimate_tokens(article.text)
        calls = max(1, round(tokens * ratios.calls_per_article_token))
        estimates.append(
            ArticleEstimate(
                article.article_id,
                calls,
                round(tokens * ratios.input_per_article_token),
                round(calls * ratios.output_per_call),
            )
        )
    return BatchEstimate(tuple(estimates), strategy, estimable=True, rough=True)


def outcome_cost(outcome: Outcome, price: Price) -> float:
    """What one article cost: nothing from the cache; a failure's tokens, of which only the
    total is recorded, at the output price (the dearer one: never under the real cost)."""
    provenance = getattr(outcome, "provenance", None)
    if provenance is not None:
        if provenance.cache_hit:
            return 0.0
        return price.cost(provenance.tokens.prompt, provenance.tokens.completion)
    return price.cost(0, int(getattr(outcome, "tokens", 0) or 0))


class CostGuard:
    """Admits articles while the run's expected total stays within `max_cost` dollars."""

    def __init__(self, max_cost: float, price: Price, estimate: BatchEstimate) -> None:
        self.max_cost = max_cost
        self.price = price
        self.estimates = {
            a.article_id: price.cost(a.input_tokens, a.output_tokens) for a in estimate.articles
        }
        self.spent = 0.0
        self.refused: list[str] = []
        self.reason: str | None = None
        self._in_flight: dict[str, float] = {}
        self._estimated_done = 0.0
        self._actual_done = 0.0
        self._finished = 0
        self._lock = threading.Lock()

    def _expected(self, article_id: str) -> float:
        estimate = self.estimates.get(article_id)
        if estimate is None:
            return self._actual_done / self._finished if self._finished else 0.0
        if self._estimated_done > 0:
            return estimate * self._actual_done / self._estimated_done
        return estimate

    def admit(self, articles: Iterable[Article]) -> Iterator[Article]:
        """`articles` up to the first one that would take the run past the budget."""
        remaining = iter(articles)
        for article in remaining:
            with self._lock:
                expected = self._expected(article.article_id)
                committed = self.spent + sum(self._in_flight.values())
                if committed + expected > self.max_cost:
                    self.refused = [article.article_id, *(a.article_id for a in remaining)]
                    self.reason = (
                        f"stopped by --max-cost ${self.max_cost:g}: spent ${self.spent:.4f}, "
                        f"in flight ~${committed - self.spent:.4f}, and {article.article_id} "
                        f"is expected to cost ~${expected:.4f}"
                    )
                    return
                self._in_flight[article.article_id] = expected
            yield article

    def see(self, outcome: Outcome) -> None:
        """Count a finished article's real cost."""
        article_id = outcome.article_id or ""
        cost = outcome_cost(outcome, self.price)
        with self._lock:
            self.spent += cost
            if self._in_flight.pop(article_id, None) is None:
                return  # not one this guard admitted (an input problem)
            if getattr(getattr(outcome, "provenance", None), "cache_hit", False):
                return  # no call made: says nothing about what calls cost
            self._finished += 1
            self._actual_done += cost
            self._estimated_done += self.estimates.get(article_id, 0.0)


def estimate_lines(estimate: BatchEstimate, price: Price | None, model: str) -> list[str]:
    """The dry run's report: calls, tokens and cost, with what they assume."""
    count = len(estimate.articles)
    if not estimate.estimable:
        return [
            f"strategy {estimate.strategy}: its calls are made per sentence and per incident, "
            "known only while running, and were not measured, so there is no estimate before "
            "the run; run a few articles (--limit 3) and read their tokens with "
            "`extractor logs --runs`"
        ]
    if estimate.rough:
        lines = [
            f"calls   ~{estimate.calls} for {count} article(s) (rough: strategy "
            f"{estimate.strategy}'s calls per article token, measured on 27 articles)",
            f"input   ~{estimate.input_tokens:,} tokens (rough; +-21% per article measured)",
            f"output  ~{estimate.output_tokens:,} tokens (rough)",
        ]
    else:
        lines = [
            f"calls   {estimate.calls} for {count} article(s) (one per chunk; re-asks and "
            "retries add more)",
            f"input   ~{estimate.input_tokens:,} tokens (prompts, articles and schema, estimated)",
            f"output  ~{estimate.output_tokens:,} tokens (assumed {ANSWER_TOKENS_PER_CALL:,} "
            "per call, the size of a gold answer)",
        ]
    cost = estimate.cost(price)
    if price is None or cost is None:
        lines.append(
            f"cost    unknown: no price for model {model!r} (add it to a prices file: "
            "--prices PATH or $EXTRACTOR_PRICES; the shipped table is extractor/prices.toml)"
        )
    else:
        lines.append(f"cost    ~${cost:.4f} ({model}: {price.describe()})")
    return lines


def no_price(model: str) -> ConfigError:
    """The error for a budget on a model the price table does not know."""
    return ConfigError(
        f"--max-cost needs the price of model {model!r}: add it to a prices file "
        "(--prices PATH or $EXTRACTOR_PRICES; the shipped table is extractor/prices.toml)"
    )


def budget_for(
    backend: Backend,
    articles: Iterable[Article],
    max_cost: float,
    prices: str | os.PathLike[str] | None = None,
) -> CostGuard:
    """A `CostGuard` keeping `backend` over `articles` within `max_cost` dollars, priced by
    the shipped table with `prices` (else `$EXTRACTOR_PRICES`) over it."""
    info = backend.info
    price = price_for(info.model, info.backend, load_prices(prices))
    if price is None:
        raise no_price(info.model)
    return CostGuard(max_cost, price, estimate_batch(CachedRunner(backend), articles))
