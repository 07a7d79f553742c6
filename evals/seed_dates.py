"""Event dates on the seed articles, with and without their publication-date metadata.

Two sub-commands:

    python evals/seed_dates.py jsonl OUT.jsonl          # gold/articles/*.txt + metadata.json
    python evals/seed_dates.py measure OUT_DIR [...]    # date numbers of extract folders

Both take `--gold DIR` for another gold folder with `articles/metadata.json` (gold/dev).

`jsonl` writes one JSONL line per seed article (`id`, `text`, and `published`, `title`,
`outlet`, `url` where gold/articles/metadata.json gives them), the input `extractor extract`
reads with metadata. `measure` scores each extract output folder against gold/ and prints,
as markdown: the scorer's field accuracy of `date` over matched events, how many predicted
events carry a date, how many matched events have the gold date, and how many gold events
have one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from extractor.predictions import load_gold, load_predictions
from extractor.scoring import score_corpus
from extractor.scoring.fields import field_agreement
from extractor.scoring.matching import match_events

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold"
KEYS = ("published", "title", "outlet", "url")


def write_jsonl(out: Path, gold_dir: Path = GOLD) -> None:
    """The gold folder's articles with their metadata, one JSON object a line."""
    metadata_file = gold_dir / "articles" / "metadata.json"
    metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    lines = []
    for path in sorted((gold_dir / "articles").glob("*.txt")):
        item = {"id": path.stem, "text": path.read_text(encoding="utf-8")}
        given = metadata.get(path.stem, {})
        item.update({key: given[key] for key in KEYS if given.get(key)})
        lines.append(json.dumps(item, ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.3f}" if whole else f"{part}/0"


def measure(folders: list[Path], gold_dir: Path = GOLD) -> None:
    """One markdown table row per extract output folder."""
    gold = load_gold(gold_dir)
    gold_dated = sum(e.date is not None for r in gold.records.values() for e in r.events)
    gold_events = sum(len(r.events) for r in gold.records.values())
    print(
        "| run | date accuracy (matched) | predicted events with a date "
        "| matched events with the gold date | event F1 (main) |"
    )
    print("|---|---|---|---|---|")
    for folder in folders:
        preds = load_predictions(folder)
        scores = score_corpus(preds, gold.records, gold.texts).to_dict()
        events = [e for r in preds.values() for e in r.events]
        right = matched = 0
        for article_id, record in gold.records.items():
            pred = preds.get(article_id)
            if pred is None:
                continue
            for m in match_events(pred.events, record.events):
                matched += 1
                p, g = pred.events[m.pred_index], record.events[m.gold_index]
                right += p.date is not None and field_agreement("date", p, g) == 1.0
        accuracy = scores["field_accuracy"]["date"]
        dated = sum(e.date is not None for e in events)
        print(
            f"| {folder.name} | {accuracy:.3f} | {_ratio(dated, len(events))} "
            f"| {_ratio(right, matched)} | {scores['event_f1_main']:.3f} |"
        )
    print(f"\nGold: {_ratio(gold_dated, gold_events)} events have a date.")


def main() -> None:
    """Dispatch the two sub-commands."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD, help="gold folder (default gold/)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("jsonl").add_argument("out", type=Path)
    sub.add_parser("measure").add_argument("folders", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "jsonl":
        write_jsonl(args.out, args.gold)
    else:
        measure(args.folders, args.gold)


if __name__ == "__main__":
    main()
