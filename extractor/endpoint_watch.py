"""Stop a batch whose endpoint cannot be reached, instead of failing every article slowly.

Each article's outcome is shown to `UnreachableStreak`; after `limit` articles in a row
failed with kind `unreachable` (no connection at all, after the retry policy gave up), it
returns the one-line reason the batch stops with. The runner then starts nothing more and
reports the articles it did not start as not attempted: not failed, not lost, done by the
same command once the endpoint answers (finished articles come from the cache).
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.core.records import ExtractionRecord, FailureRecord

UNREACHABLE_KIND = "unreachable"
DEFAULT_LIMIT = 3


@dataclass
class UnreachableStreak:
    """Counts articles in a row that could not reach the endpoint."""

    limit: int = DEFAULT_LIMIT
    endpoint: str | None = None
    count: int = 0

    def see(self, outcome: ExtractionRecord | FailureRecord) -> str | None:
        """Count one outcome; the reason to stop the batch once the streak reaches `limit`."""
        if not isinstance(outcome, FailureRecord) or outcome.kind != UNREACHABLE_KIND:
            self.count = 0
            return None
        self.count += 1
        if self.limit < 1 or self.count < self.limit:
            return None
        where = self.endpoint or "the endpoint"
        return (
            f"stopped: {self.count} articles in a row could not reach {where} "
            f"(last: {outcome.message}); is the server running and the URL right?"
        )
