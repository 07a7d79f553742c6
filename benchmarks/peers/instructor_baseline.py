"""Peer 2: the plain instructor baseline, what a user would write in about 20 lines.

One call per article with `response_model=ArticleEvents` and a short prompt, against an
OpenAI-compatible server (here llama.cpp's, behind `benchmarks.peers.proxy`). instructor's
JSON mode (`response_format={"type": "json_object"}` plus the schema in the prompt) is the
one llama.cpp's server accepts. An article whose answer never validates is written with no
events and listed in `failures`, so the scorer sees every article.

    python -m benchmarks.peers.instructor_baseline --base-url URL --out preds.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import instructor
from openai import OpenAI

from extractor.core.schema import ArticleEvents

PROMPT = (
    "Extract every attack on U.S. or coalition forces and every strike by U.S. or coalition "
    "forces reported in the news article as events. One event per incident, place and day. "
    "Copy evidence quotes exactly from the article. Use null when the article does not say."
)


def extract_all(base_url: str, articles: list[Path], max_tokens: int) -> tuple[list, list]:
    """The baseline itself: one instructor call per article."""
    client = instructor.from_openai(
        OpenAI(base_url=base_url, api_key="none", timeout=1800), mode=instructor.Mode.JSON
    )
    predictions, failures = [], []
    for path in articles:
        try:
            result = client.chat.completions.create(
                model="local",
                response_model=ArticleEvents,
                max_retries=1,  # instructor re-asks once on a validation error
                temperature=0,
                max_tokens=max_tokens,
                messages=[
                    {"role": "system", "content": PROMPT},
                    {"role": "user", "content": f"article_id: {path.stem}\n\n{path.read_text()}"},
                ],
            )
            predictions.append(result.model_copy(update={"article_id": path.stem}))
        except Exception as exc:
            failures.append({"article_id": path.stem, "error": str(exc)[:500]})
            predictions.append(ArticleEvents(article_id=path.stem, events=[]))
    return predictions, failures


def main(argv: list[str] | None = None) -> int:
    """Run the baseline over a folder of articles and write predictions as JSONL."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peers.instructor_baseline",
        description="Plain instructor baseline: one ArticleEvents call per article.",
    )
    parser.add_argument("--base-url", required=True, help="OpenAI-compatible endpoint (.../v1)")
    parser.add_argument("--articles", type=Path, default=Path("gold/articles"))
    parser.add_argument("--out", type=Path, required=True, help="predictions .jsonl")
    parser.add_argument("--max-tokens", type=int, default=2500, help="answer cap per call")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    articles = sorted(args.articles.glob("*.txt"))
    predictions, failures = extract_all(args.base_url, articles, args.max_tokens)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(p.model_dump_json() + "\n" for p in predictions))
    summary = {"wall_s": time.perf_counter() - started, "failures": failures}
    args.out.with_suffix(".summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
