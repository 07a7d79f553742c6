"""Each decoding lever on its own: the same real calls replayed under each setting (issue 17).

    .venv/bin/python -m benchmarks.speed.levers --calls build/speed-bench/dev/ours/calls.db \
        --articles 3

The calls (system, user, stage) of the first N articles of a real `sentence` run, read from
that run's call log, are sent again in their order to one loaded model under each setting:

- `plain`: `Llama.create_chat_completion` (the path before issue 17)
- `loop`: our greedy loop with every lever off (full-vocabulary grammar mask each step)
- `+snapshots`: KV snapshots of the system prompts, restored at each switch of stage
- `+fast-grammar`: the grammar checked on the argmax first
- `+draft`: prompt-lookup drafts of up to 6 tokens, cut at the next JSON value (off by
  default until a full quality run)
- `+draft-keys`: drafts only right after a value ended (a `,` written), up to 8 tokens, cut
  at the next value: what follows is a key from the examples
- `+draft-long`: drafts of up to 8 tokens, not cut at values (for comparison)
- `+together4`, `+together8`: no drafts; consecutive calls of one article and stage, up to
  4 (8) at a time, decoded together, one sequence each (`extractor.clients.llama_parallel`)
- `+draft-fill4`, `+draft-fill8`: drafts of 3 (7) tokens, not cut, so that every drafted
  step decodes a batch of 4 (8): on this CPU a batch of 2 or 3 tokens costs as much as a
  batch of 4 (`batch_cost.md`); `-uni` also drafts after a 1-token match

Each setting's answers are compared with the run's recorded answers (they must be the
same: every setting decodes greedily under the same grammar). Results: levers.json and
levers.md beside this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.common.harness import git_commit, machine
from benchmarks.peers.run import wait_for_idle

HERE = Path(__file__).resolve().parent
MAX_TOKENS = {"mentions": 200, "fields": 400}


def read_calls(db: Path, n_articles: int) -> list[dict[str, Any]]:
    """The calls of the first `n_articles` articles of the log, in call order."""
    rows = sqlite3.connect(db).execute(
        "select article_id, slot, messages, response from calls where ok = 1 order by id"
    )
    calls: list[dict[str, Any]] = []
    articles: list[str] = []
    for article_id, slot, messages, response in rows:
        if article_id not in articles:
            if len(articles) == n_articles:
                break
            articles.append(article_id)
        system, user = (m["content"] for m in json.loads(messages))
        calls.append(
            {
                "article_id": article_id,
                "slot": slot,
                "system": system,
                "user": user,
                "response": response,
            }
        )
    return calls


def settings() -> dict[str, Any]:
    """Setting name -> DecodeOptions (None: the plain create_chat_completion path)."""
    from extractor.clients.llama_decoding import DecodeOptions

    return {
        "plain": None,
        "loop": DecodeOptions(prefix_snapshots=False, fast_grammar=False, draft_tokens=0),
        "+snapshots": DecodeOptions(prefix_snapshots=True, fast_grammar=False, draft_tokens=0),
        "+fast-grammar": DecodeOptions(prefix_snapshots=True, fast_grammar=True, draft_tokens=0),
        "+draft": DecodeOptions(draft_tokens=6),
        "+draft-keys": DecodeOptions(draft_tokens=8, draft_keys_only=True),
        "+draft-long": DecodeOptions(draft_tokens=8, draft_min_ngram=1, cut_drafts=False),
        "+draft-fill4": DecodeOptions(draft_tokens=3, cut_drafts=False),
        "+draft-fill4-uni": DecodeOptions(draft_tokens=3, cut_drafts=False, draft_min_ngram=1),
        "+draft-fill8": DecodeOptions(draft_tokens=7, cut_drafts=False),
        "+together4": DecodeOptions(),
        "+together8": DecodeOptions(),
    }


def together(name: str) -> int:
    """How many calls a `+togetherN` setting decodes at once (1 for the other settings)."""
    return int(name.removeprefix("+together")) if name.startswith("+together") else 1


def groups(calls: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """Consecutive calls of one article and stage, in groups of at most `size`: the calls the
    pipeline could send together (each sentence's mentions and each incident's details
    depend only on the article, not on another call's answer)."""
    out: list[list[dict[str, Any]]] = []
    for call in calls:
        last = out[-1] if out else None
        if (
            last is not None
            and len(last) < size
            and (last[0]["article_id"], last[0]["slot"]) == (call["article_id"], call["slot"])
        ):
            last.append(call)
        else:
            out.append([call])
    return out


def replay(llama: Any, options: Any, calls: list[dict[str, Any]], size: int = 1) -> dict[str, Any]:
    """Send `calls` in order under one setting; time, tokens and answers kept or not."""
    from extractor.clients.llama_inprocess import LlamaChat
    from extractor.pipeline.fields import IncidentFields
    from extractor.pipeline.mentions import SentenceMentions

    schemas = {
        "mentions": SentenceMentions.model_json_schema(),
        "fields": IncidentFields.model_json_schema(),
    }
    llama.reset()
    llama._ctx.kv_cache_seq_rm(0, 0, -1)
    chat = LlamaChat(llama, options)
    same = 0
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    for group in groups(calls, size):
        head = group[0]
        answers = chat.complete_many(
            head["system"],
            [call["user"] for call in group],
            schemas[head["slot"]],
            MAX_TOKENS[head["slot"]],
            slot=head["slot"],
        )
        same += sum(a.text == c["response"] for a, c in zip(answers, group, strict=True))
    wall = time.perf_counter() - started
    totals = {
        key: round(sum(t.get(key, 0) for t in chat.timings), 2)
        for key in (
            "prompt_eval_tokens",
            "prompt_eval_s",
            "gen_tokens",
            "gen_s",
            "drafted",
            "accepted",
            "restored_tokens",
        )
    }
    return {
        "wall_s": round(wall, 1),
        "calls": len(calls),
        "same_answers": same,
        "load_average_1m": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        **totals,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=Path, required=True, help="calls.db of a sentence run")
    parser.add_argument("--articles", type=int, default=3)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--only", default=None, help="comma list of settings")
    parser.add_argument("--results", type=Path, default=HERE)
    args = parser.parse_args(argv)
    from extractor.backends.local import resolve_model
    from extractor.clients.llama_inprocess import load_llama

    waited = wait_for_idle(600)
    path, spec = resolve_model(args.model)
    assert spec is not None
    llama = load_llama(path, spec.context_tokens, os.cpu_count() or 1, spec.chat_format)
    calls = read_calls(args.calls, args.articles)
    chosen = settings()
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    rows = {}
    for name, options in chosen.items():
        size = together(name)
        model = llama
        if size > 1:
            model = load_llama(
                path, spec.context_tokens, os.cpu_count() or 1, spec.chat_format, n_seq_max=size
            )
        rows[name] = replay(model, options, calls, size)
        print(name, rows[name], flush=True)
    results = {
        "command": "python -m benchmarks.speed.levers " + " ".join(argv or []),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "model": args.model,
        "articles": sorted({c["article_id"] for c in calls}),
        "waited_for_other_models": waited,
        "settings": rows,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "levers.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "levers.md").write_text(markdown(results))
    return 0


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    base = results["settings"].get("plain", {}).get("wall_s")
    lines = [
        "# Speed levers, each on its own (issue 17)",
        "",
        f"- command: `{results['command']}`",
        f"- date: {results['date']}; commit {results['commit']}; {m['cpu_model']},"
        f" {m['nproc']} cores; model {results['model']}",
        f"- calls: every call of {len(results['articles'])} articles"
        f" ({', '.join(results['articles'])}), replayed in order per setting",
        "",
        "| setting | wall s | vs plain | prompt tokens evaluated | prompt s | generated | gen s"
        " | drafted / accepted | restored | same answers | load 1m (start, end) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["settings"].items():
        ratio = f"{r['wall_s'] / base:.2f}x" if base else "-"
        lines.append(
            f"| {name} | {r['wall_s']} | {ratio} | {r['prompt_eval_tokens']} |"
            f" {r['prompt_eval_s']} | {r['gen_tokens']} | {r['gen_s']} |"
            f" {r['drafted']} / {r['accepted']} | {r['restored_tokens']} |"
            f" {r['same_answers']} / {r['calls']} | {r['load_average_1m']} |"
        )
    lines += [
        "",
        "`plain`'s gen s is llama.cpp's own decode time (sampling excluded); the other rows'"
        " include sampling. Same answers: equal to the answers of the run the calls were read"
        " from (the default setting); the others differ through batch-shape numerics.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(__import__("sys").argv[1:]))
