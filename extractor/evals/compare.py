"""Run (or replay) every backend of a suite over the gold articles and score each one.

A *producer* turns one `RunSpec` and the gold articles into one output record per article
(`ExtractionRecord`, or `FailureRecord` for an article that failed). Two producers exist:
`live_producer` calls the backend through the cached runner (`extractor.evals.live`), and
`recorded_producer` reads evals/recorded/ and never calls a backend. Everything after that
is shared and pure: scoring with `extractor.scoring`, bootstrap intervals over articles,
operational totals (validity, re-asks, retries, tokens, latency, cost) and the CI gate.

A backend that cannot run (`BackendUnavailable`, `ConfigError`: no key, server down, model
or recording missing) becomes an `unavailable` row; the other rows still run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce
from operator import add
from typing import Any

from extractor.core.errors import BackendUnavailable, ConfigError
from extractor.core.records import ExtractionRecord, FailureRecord
from extractor.core.schema import ArticleEvents
from extractor.evals.gate import GateInput, GateResult, evaluate_gate
from extractor.evals.recordings import Recorded, load_baseline, read_recordings
from extractor.evals.stats import Interval, LatencySummary, bootstrap_intervals, latency_summary
from extractor.evals.suite import RunSpec, Suite
from extractor.incidents.evaluation import has_incident_gold, load_incident_gold, score_incidents
from extractor.predictions import GoldSet, load_gold
from extractor.scoring import ArticleScore, CorpusScore, Metrics, ScoreCounts, score_corpus

HEADLINE_METRICS = (
    "event_precision",
    "event_recall_main",
    "event_recall_all",
    "event_f1_main",
    "event_f1_all",
    "slot_micro_f1",
    "grounding_rate",
)

Producer = Callable[[RunSpec, GoldSet], Mapping[str, Recorded]]


class RowStatus(StrEnum):
    """Whether a row could be scored."""

    OK = "ok"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class OpsStats:
    """What a backend cost and how it behaved, over all articles of one row."""

    articles: int
    failures: int
    first_attempt_valid: int
    reasks: int
    retries: int
    prompt_tokens: int
    completion_tokens: int
    cache_hits: int
    latency: LatencySummary
    cost_usd: float | None

    @property
    def first_attempt_validity(self) -> float:
        """Share of articles whose first answer validated (no re-ask, no failure)."""
        return self.first_attempt_valid / self.articles if self.articles else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "articles": self.articles,
            "failures": self.failures,
            "first_attempt_validity": self.first_attempt_validity,
            "reasks": self.reasks,
            "retries": self.retries,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cache_hits": self.cache_hits,
            "latency_s": self.latency.to_dict(),
            "cost_usd": self.cost_usd,
        }


@dataclass(frozen=True)
class RowResult:
    """One backend x variant: its scores, intervals and operational totals, or why none."""

    spec: RunSpec
    status: RowStatus
    error: str | None = None
    corpus: CorpusScore | None = None
    intervals: Mapping[str, Interval] = field(default_factory=dict)
    ops: OpsStats | None = None
    records: Mapping[str, Recorded] = field(default_factory=dict)
    incidents: Mapping[str, Any] | None = None

    @property
    def label(self) -> str:
        """The row's label (backend label, `+variant` unless default)."""
        return self.spec.label

    def metrics(self) -> dict[str, float]:
        """Headline metric values (empty when the row could not be scored)."""
        if self.corpus is None:
            return {}
        return {name: getattr(self.corpus.metrics, name) for name in HEADLINE_METRICS}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (records are not included: they live in evals/recorded/)."""
        spec = self.spec
        return {
            "label": self.label,
            "backend": spec.backend.backend,
            "model": spec.backend.model,
            "strategy": spec.strategy,
            "variant": spec.variant.name,
            "prompt": spec.variant.prompt,
            "params": spec.params,
            "gated": spec.gated,
            "status": self.status.value,
            "error": self.error,
            "metrics": self.corpus.to_dict() if self.corpus is not None else None,
            "intervals": {name: iv.to_dict() for name, iv in self.intervals.items()},
            "ops": self.ops.to_dict() if self.ops is not None else None,
            **({"incidents": self.incidents} if self.incidents is not None else {}),
        }


@dataclass(frozen=True)
class Comparison:
    """Every row of one suite run, and the gate's verdict on them."""

    suite: Suite
    offline: bool
    started: dt.datetime
    article_ids: tuple[str, ...]
    rows: tuple[RowResult, ...]
    gate: GateResult

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: what evals/results/<date>-<suite>.json holds."""
        return {
            "suite": self.suite.name,
            "suite_path": str(self.suite.path),
            "offline": self.offline,
            "started": self.started.isoformat(timespec="seconds"),
            "articles": list(self.article_ids),
            "bootstrap": {
                "resamples": self.suite.bootstrap.resamples,
                "seed": self.suite.bootstrap.seed,
                "confidence": self.suite.bootstrap.confidence,
                "unit": "article",
            },
            "thresholds": vars(self.suite.thresholds),
            "rows": [row.to_dict() for row in self.rows],
            "gate": self.gate.to_dict(),
        }


def recorded_producer(suite: Suite) -> Producer:
    """Replay evals/recorded/<label>/ for every article; never calls a backend."""

    def produce(run: RunSpec, gold: GoldSet) -> Mapping[str, Recorded]:
        recorded = read_recordings(suite.recorded_dir, run.label, sorted(gold.records))
        return {record.article_id or "": record for record in recorded.records}

    return produce


def predictions_of(records: Mapping[str, Recorded]) -> dict[str, ArticleEvents]:
    """The plain contract events of each successful record (failures predict nothing)."""
    return {
        article_id: ArticleEvents(
            article_id=article_id, events=[event.to_event() for event in record.events]
        )
        for article_id, record in records.items()
        if isinstance(record, ExtractionRecord)
    }


def ops_stats(records: Mapping[str, Recorded], run: RunSpec, article_count: int) -> OpsStats:
    """Operational totals of one row; articles without a record count as failures."""
    done = [r for r in records.values() if isinstance(r, ExtractionRecord)]
    failed = [r for r in records.values() if isinstance(r, FailureRecord)]
    prompt = sum(r.provenance.tokens.prompt for r in done)
    completion = sum(r.provenance.tokens.completion for r in done)
    # A failure only reports a total; count it as prompt tokens (the larger share).
    prompt += sum(r.tokens for r in failed)
    price = run.backend.price
    return OpsStats(
        articles=article_count,
        failures=article_count - len(done),
        first_attempt_valid=sum(r.provenance.reasks == 0 for r in done),
        reasks=sum(r.provenance.reasks for r in done),
        retries=sum(r.provenance.retries for r in done),
        prompt_tokens=prompt,
        completion_tokens=completion,
        cache_hits=sum(r.provenance.cache_hit for r in done),
        latency=latency_summary([r.provenance.latency_s for r in done]),
        cost_usd=price.cost(prompt, completion) if price is not None else None,
    )


def _headline(sample: Sequence[ArticleScore]) -> dict[str, float]:
    metrics = Metrics.from_counts(reduce(add, (a.counts for a in sample), ScoreCounts()))
    return {name: getattr(metrics, name) for name in HEADLINE_METRICS}


def score_row(
    run: RunSpec, records: Mapping[str, Recorded], gold: GoldSet, suite: Suite
) -> RowResult:
    """Score one row's records against gold, with bootstrap intervals and ops totals."""
    corpus = score_corpus(predictions_of(records), gold.records, gold.texts)
    config = suite.bootstrap
    intervals = bootstrap_intervals(
        corpus.articles,
        _headline,
        resamples=config.resamples,
        seed=config.seed,
        confidence=config.confidence,
    )
    return RowResult(
        spec=run,
        status=RowStatus.OK,
        corpus=corpus,
        intervals=intervals,
        ops=ops_stats(records, run, len(gold.records)),
        records=dict(records),
    )


def gate_rows(rows: Sequence[RowResult], suite: Suite) -> GateResult:
    """The gate's verdict on `rows` against the suite's thresholds and baseline file."""
    inputs = [GateInput(row.label, row.spec.gated, row.metrics(), row.error) for row in rows]
    return evaluate_gate(inputs, suite.thresholds, load_baseline(suite.baseline_path))


def run_comparison(
    suite: Suite,
    producer: Producer,
    *,
    offline: bool,
    gold: GoldSet | None = None,
) -> Comparison:
    """Produce, score and gate every row of `suite`."""
    started = dt.datetime.now(dt.UTC)
    gold = gold if gold is not None else load_gold(suite.gold_dir)
    rows: list[RowResult] = []
    for run in suite.runs:
        try:
            records = producer(run, gold)
        except (BackendUnavailable, ConfigError) as exc:
            rows.append(RowResult(spec=run, status=RowStatus.UNAVAILABLE, error=str(exc)))
            continue
        unknown = sorted(set(records) - set(gold.records))
        if unknown:
            message = f"output for articles not in gold: {', '.join(unknown)}"
            rows.append(RowResult(spec=run, status=RowStatus.UNAVAILABLE, error=message))
            continue
        row = score_row(run, records, gold, suite)
        if has_incident_gold(suite.gold_dir):
            scores = score_incidents(
                predictions_of(records), load_incident_gold(suite.gold_dir, gold.records)
            )
            row = dataclasses.replace(row, incidents=scores)
        rows.append(row)
    verdict = gate_rows(rows, suite)
    return Comparison(suite, offline, started, tuple(sorted(gold.records)), tuple(rows), verdict)
