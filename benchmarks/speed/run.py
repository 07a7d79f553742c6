"""Our default local pipeline beside the single-pass floor, in one run (issue 17).

    .venv/bin/python -m benchmarks.speed.run [--suites seeds,dev] [--model M] [--limit N]

For each suite (the five seeds, gold/, and the development set, gold/dev/), on the same
machine, model and thread count, one after the other in one process:

- **floor**: the raw single pass. The article goes once through llama.cpp inside the
  fixed `extract` instructions (the instructions' KV prefix reused from the previous
  article), then exactly as many tokens are generated, greedily and without a grammar, as
  the gold events' JSON has (`json.dumps` of the gold `events` list). No pipeline, no
  parsing: what reading each article once and writing its events once costs here.
- **ours**: the default (`--backend local`, strategy `sentence`, the default decoder)
  through `extractor.api.extract_batch`, fresh (no result cache), articles one by one.
  Per article: wall seconds, calls, prompt tokens (sent / evaluated / reused from the live
  KV cache / restored from a prefix snapshot), generated tokens, drafted and accepted
  tokens. Quality columns are `extractor eval` on the same run's output.

`results.json` holds everything (`s_per_article_median` for ours and the floor per suite,
and `ratio_to_floor`); `results.md` is the table. Nothing else may run a model meanwhile:
the run waits (up to --wait-s) for other llama.cpp processes and records the load average.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common.harness import REPO, extractor_cli, git_commit, machine
from benchmarks.peers.run import other_model_processes, wait_for_idle
from extractor.clients.routing import SlotRoutedChat

HERE = Path(__file__).resolve().parent
SUITES = {"seeds": REPO / "gold", "dev": REPO / "gold" / "dev"}
RECORDED = {"seeds": REPO / "evals" / "recorded", "dev": REPO / "evals" / "recorded-dev"}
"""Where the eval suites (evals/default.toml, evals/dev.toml) read each row's real outputs."""


def gold_events(gold_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Article id -> its gold events, for every gold file of a suite."""
    found = {}
    for path in sorted(gold_dir.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "events" in data:
            found[data.get("article_id") or path.stem] = data["events"]
    return found


def lean(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gold events without what our pipeline never generates (quotes, spans, summary)."""
    dropped = {"evidence", "evidence_spans", "summary"}
    return [{k: v for k, v in e.items() if k not in dropped} for e in events]


def floor_pass(decoder: Any, tokens: list[int], prefix_len: int, n_generate: int) -> dict:
    """Evaluate the prompt (prefix reused when live) and generate `n_generate` greedy tokens."""
    import numpy as np

    lib = decoder._lib
    started = time.perf_counter()
    live = decoder._live()
    keep = 0
    for a, b in zip(live, tokens, strict=False):
        if a != b:
            break
        keep += 1
    keep = min(keep, prefix_len, len(tokens) - 1)
    decoder._truncate(keep)
    decoder._decode(tokens[keep:], logits_from=len(tokens) - keep - 1)
    prompt_s = time.perf_counter() - started
    gen_started = time.perf_counter()
    eog = [t for t in range(decoder.n_vocab) if lib.llama_vocab_is_eog(decoder._vocab, t)]
    for _ in range(n_generate):
        logits = np.ctypeslib.as_array(
            lib.llama_get_logits_ith(decoder._ctx, -1), shape=(decoder.n_vocab,)
        ).copy()
        logits[eog] = -np.inf  # the floor writes exactly the gold length
        decoder._decode([int(np.argmax(logits))], logits_from=0)
    gen_s = time.perf_counter() - gen_started
    return {
        "prompt_tokens": len(tokens),
        "prompt_eval_tokens": len(tokens) - keep,
        "reused_tokens": keep,
        "prompt_s": round(prompt_s, 2),
        "generated_tokens": n_generate,
        "gen_s": round(gen_s, 2),
        "s": round(prompt_s + gen_s, 2),
    }


def run_floor(chat: Any, gold_dir: Path, ids: list[str]) -> dict[str, Any]:
    """The raw single pass over each article of a suite (see the module docstring)."""
    from extractor.prompts import load_prompt

    decoder = chat._decoder
    golds = gold_events(gold_dir)
    template = load_prompt("extract")
    rows = {}
    for article_id in ids:
        text = (gold_dir / "articles" / f"{article_id}.txt").read_text()
        system, user = template.render(article_id=article_id, article_text=text)
        tokens, prefix_len = chat._prompt_tokens(system, user)
        n_full = len(chat.llama.tokenize(json.dumps(golds[article_id]).encode(), add_bos=False))
        n_lean = len(
            chat.llama.tokenize(json.dumps(lean(golds[article_id])).encode(), add_bos=False)
        )
        row = floor_pass(decoder, tokens, prefix_len, n_full)
        per_token = row["gen_s"] / max(1, n_full)
        row["lean_generated_tokens"] = n_lean
        row["lean_s_computed"] = round(row["prompt_s"] + n_lean * per_token, 2)
        rows[article_id] = row
        print(f"floor {article_id}: {row['s']} s ({n_full} tokens)", flush=True)
    return rows


def run_ours(backend: Any, gold_dir: Path, ids: list[str], out: Path) -> dict[str, Any]:
    """The default pipeline through `extract_batch`, no result cache, per-article costs."""
    from extractor.api import extract_batch, read_inputs

    timings = backend._timings
    rows: dict[str, Any] = {}
    mark = {"t": time.perf_counter(), "i": len(timings)}

    def on_result(outcome: Any) -> None:
        now = time.perf_counter()
        calls = timings[mark["i"] :]
        rows[outcome.article_id] = {
            "s": round(now - mark["t"], 2),
            "calls": len(calls),
            "ok": not hasattr(outcome, "kind"),
            **{
                key: int(sum(c.get(key, 0) for c in calls))
                for key in (
                    "prompt_eval_tokens",
                    "reused_tokens",
                    "restored_tokens",
                    "gen_tokens",
                    "drafted",
                    "accepted",
                    "forced",
                    "full_grammar_masks",
                )
            },
        }
        print(f"ours {outcome.article_id}: {rows[outcome.article_id]['s']} s", flush=True)
        mark["t"], mark["i"] = now, len(timings)

    paths = [gold_dir / "articles" / f"{i}.txt" for i in ids]
    extract_batch(
        read_inputs(paths),
        backend,
        out_dir=out,
        no_cache=True,
        on_result=on_result,
        call_log=out / "calls.db",
    )
    for record in map(json.loads, (out / "events.jsonl").read_text().splitlines()):
        row = rows.get(record["article_id"])
        if row is not None:
            row["prompt_tokens"] = record["provenance"]["tokens"]["prompt"]
    return rows


def quality(pred: Path, gold_dir: Path, ids: list[str]) -> dict[str, Any]:
    """Event F1 (main, all) and slot micro-F1 of a run, from `extractor eval --json`."""
    gold_subset = pred.parent / "gold"
    gold_subset.mkdir(exist_ok=True)
    (gold_subset / "articles").mkdir(exist_ok=True)
    for i in ids:
        (gold_subset / f"{i}.json").write_bytes((gold_dir / f"{i}.json").read_bytes())
        (gold_subset / "articles" / f"{i}.txt").write_bytes(
            (gold_dir / "articles" / f"{i}.txt").read_bytes()
        )
    done = subprocess.run(
        [extractor_cli(), "eval", "--pred", str(pred), "--gold", str(gold_subset), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        scores = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"error": (done.stderr or done.stdout)[-500:]}
    return pick_quality(scores)


def pick_quality(scores: dict[str, Any]) -> dict[str, Any]:
    """The three quality columns from `extractor eval --json` output."""
    keys = ("event_f1_main", "event_f1_all", "slot_micro_f1", "grounding_rate", "n_pred_events")
    return {key: scores.get(key) for key in keys}


def summarize(ours: dict[str, Any], floor: dict[str, Any]) -> dict[str, Any]:
    """Medians and totals of a suite, and our median over the floor's."""
    ours_s = [r["s"] for r in ours.values()]
    floor_s = [r["s"] for r in floor.values()]
    lean_s = [r["lean_s_computed"] for r in floor.values()]
    n = max(1, len(ours))
    ours_median = round(statistics.median(ours_s), 1) if ours_s else None
    floor_median = round(statistics.median(floor_s), 1) if floor_s else None
    return {
        "articles": len(ours),
        "ours": {
            "s_per_article_median": ours_median,
            "s_total": round(sum(ours_s), 1),
            "calls_per_article": round(sum(r["calls"] for r in ours.values()) / n, 2),
            **{
                f"{key}_per_article": round(sum(r.get(key, 0) for r in ours.values()) / n, 1)
                for key in (
                    "prompt_tokens",
                    "prompt_eval_tokens",
                    "reused_tokens",
                    "restored_tokens",
                    "gen_tokens",
                    "drafted",
                    "accepted",
                    "forced",
                )
            },
        },
        "floor": {
            "s_per_article_median": floor_median,
            "s_total": round(sum(floor_s), 1),
            "generated_tokens_per_article": round(
                sum(r["generated_tokens"] for r in floor.values()) / max(1, len(floor)), 1
            ),
            "prompt_eval_tokens_per_article": round(
                sum(r["prompt_eval_tokens"] for r in floor.values()) / max(1, len(floor)), 1
            ),
            "lean_s_per_article_median_computed": round(statistics.median(lean_s), 1)
            if lean_s
            else None,
        },
        "ratio_to_floor": round(ours_median / floor_median, 2)
        if ours_median and floor_median
        else None,
        "ratio_to_lean_floor_computed": round(ours_median / statistics.median(lean_s), 2)
        if ours_median and lean_s
        else None,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default="seeds,dev", help="comma list of: seeds, dev")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=None, help="first N articles per suite")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "speed-bench")
    parser.add_argument("--results", type=Path, default=HERE)
    parser.add_argument("--wait-s", type=float, default=600.0)
    parser.add_argument(
        "--draft-tokens",
        type=int,
        default=None,
        help="prompt-lookup drafts of N tokens, uncut, 0 for none (default: the preset's)",
    )
    parser.add_argument(
        "--forcing",
        choices=("on", "off"),
        default=None,
        help="append the text the schema forces without asking the model (default: the preset's)",
    )
    parser.add_argument("--no-floor", action="store_true", help="ours only (a lever's row)")
    parser.add_argument(
        "--preset", default=None, help="the local backend's preset (default: accurate)"
    )
    parser.add_argument(
        "--parallel-calls",
        type=int,
        default=None,
        help="independent calls decoded together (default: the preset's)",
    )
    parser.add_argument(
        "--record-as",
        metavar="LABEL",
        default=None,
        help="also write the outputs as the eval suites' recordings of row LABEL "
        "(evals/recorded*/LABEL/; deliberate, like `extractor compare --record`)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from extractor.backends.local import LocalBackend

    waited = wait_for_idle(args.wait_s)
    started = dt.datetime.now(dt.UTC)
    backend = LocalBackend(args.model, n_threads=args.threads, preset=args.preset)
    if args.parallel_calls is not None:
        backend.preset = dataclasses.replace(backend.preset, parallel_calls=args.parallel_calls)
    load_started = time.perf_counter()
    routed = backend.chat  # load + self-check outside the timed articles
    load_s = time.perf_counter() - load_started
    chats: list[Any] = (
        [routed.default, *routed.routes.values()]
        if isinstance(routed, SlotRoutedChat)
        else [routed]
    )
    chat = chats[0]  # the backend's own model: the floor runs on it
    drafts = (
        backend.preset.decoding.draft_tokens if args.draft_tokens is None else args.draft_tokens
    )
    options = backend.preset.decoding
    if args.draft_tokens is not None:
        options = dataclasses.replace(options, draft_tokens=args.draft_tokens, cut_drafts=False)
    if args.forcing is not None:
        options = dataclasses.replace(options, force_structure=args.forcing == "on")
    for each in chats:
        if each._decoder is not None:
            each._decoder.options = options
    results: dict[str, Any] = {
        "command": "python -m benchmarks.speed.run " + " ".join(argv or sys.argv[1:]),
        "date": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "model": args.model,
        "threads": args.threads,
        "preset": backend.preset.name,
        "stage_models": dict(backend.preset.stage_models),
        "parallel_calls": backend.preset.parallel_calls,
        "decoder": f"{backend.decoder_name}+drafts {drafts}"
        + ("+forced structure" if options.force_structure else ""),
        "model_load_s": round(load_s, 1),
        "waited_for_other_models": waited,
        "load_average_start": os.getloadavg(),
        "suites": {},
    }
    for name in args.suites.split(","):
        gold_dir = SUITES[name]
        ids = sorted(gold_events(gold_dir))[: args.limit]
        work = args.work / name
        work.mkdir(parents=True, exist_ok=True)
        ours = run_ours(backend, gold_dir, ids, work / "ours")
        floor = {} if args.no_floor else run_floor(chat, gold_dir, ids)
        suite = summarize(ours, floor)
        suite["quality"] = quality(work / "ours" / "events.jsonl", gold_dir, ids)
        suite["per_article"] = {"ours": ours, "floor": floor}
        if args.record_as:
            suite["recorded_as"] = record_run(work / "ours", RECORDED[name], args.record_as, ids)
        results["suites"][name] = suite
        results["load_average_end"] = os.getloadavg()
        results["other_model_processes_end"] = other_model_processes()
        write(results, args.results)
    return 0


def record_run(out: Path, recorded_dir: Path, label: str, ids: list[str]) -> str:
    """Write the run's outputs as the eval suite's recordings of row `label`.

    The same files `extractor compare --record` writes (one `ExtractionRecord` or
    `FailureRecord` per article), from this timed run instead of a second one.
    """
    from extractor.evals.recordings import parse_recording, write_recording
    from extractor.output_store import FAILURES_JSONL

    found: dict[str, Any] = {}
    for name in ("events.jsonl", FAILURES_JSONL):
        path = out / name
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        for data in map(json.loads, lines):
            found.setdefault(data["article_id"], parse_recording(data, path))
    missing = [i for i in ids if i not in found]
    if missing:
        raise SystemExit(f"cannot record {label}: no output for {', '.join(missing)}")
    for article_id in ids:
        write_recording(recorded_dir, label, article_id, found[article_id])
    return str((recorded_dir / label).relative_to(REPO))


def write(results: dict[str, Any], folder: Path) -> None:
    """results.json (everything) and results.md (the tables)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (folder / "results.md").write_text(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# Speed: our default beside the single-pass floor (issue 17)",
        "",
        f"- command: `{results['command']}`",
        f"- date: {results['date']}; commit {results['commit']}",
        f"- machine: {m['cpu_model']}, {m['nproc']} cores, {m['ram_gib']} GiB;"
        f" model {results['model']}, {results['threads']} threads, decoder {results['decoder']}",
        f"- preset {results.get('preset', 'accurate')}; stage models"
        f" {results.get('stage_models') or 'none'}; calls decoded together"
        f" {results.get('parallel_calls', 1)}",
        f"- load average at start {tuple(round(x, 2) for x in results['load_average_start'])},"
        f" at end {tuple(round(x, 2) for x in results.get('load_average_end', ()))}",
        "",
        "| suite | articles | ours s/article (median) | floor s/article (median) | ratio to floor"
        " | lean floor, computed | calls/article | prompt tokens sent / evaluated / reused"
        " / restored | generated (ours / floor) | of which forced | drafted / accepted"
        " | event F1 main | event F1 all | slot micro-F1 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in results["suites"].items():
        o, f, q = s["ours"], s["floor"], s["quality"]
        lines.append(
            f"| {name} | {s['articles']} | {o['s_per_article_median']} |"
            f" {f['s_per_article_median']} | {s['ratio_to_floor']} |"
            f" {f['lean_s_per_article_median_computed']} | {o['calls_per_article']} |"
            f" {o['prompt_tokens_per_article']} / {o['prompt_eval_tokens_per_article']} /"
            f" {o['reused_tokens_per_article']} / {o['restored_tokens_per_article']} |"
            f" {o['gen_tokens_per_article']} / {f['generated_tokens_per_article']} |"
            f" {o.get('forced_per_article', 0.0)} |"
            f" {o['drafted_per_article']} / {o['accepted_per_article']} |"
            f" {q.get('event_f1_main')} | {q.get('event_f1_all')} | {q.get('slot_micro_f1')} |"
        )
    lines += [
        "",
        "Floor: the article once inside the `extract` instructions, then exactly the gold"
        " events' JSON length generated greedily (no grammar); lean floor: the same prompt"
        " time plus the gold JSON without evidence quotes, spans and summary, at the floor's"
        " measured s/token (computed, not run). Reading and verdicts: README.md beside this"
        " file.",
        "",
        "| suite | article | ours s | calls | prompt evaluated | generated | floor s | floor"
        " generated |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in results["suites"].items():
        floor = s["per_article"]["floor"]
        for article, o in s["per_article"]["ours"].items():
            f = floor.get(article, {})
            lines.append(
                f"| {name} | {article} | {o['s']} | {o['calls']} | {o['prompt_eval_tokens']} |"
                f" {o['gen_tokens']} | {f.get('s')} | {f.get('generated_tokens')} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
