"""Peer 3: LangExtract 1.7.1 with a prompt and one invented example, via its OpenAI provider.

Runs in the peers' own environment (`build/peers-venv`; see requirements.txt), so it imports
nothing from `extractor`: it writes LangExtract's raw extractions (class, text, character
interval, alignment status, attributes) per article as JSON, and `benchmarks.peers.adapter`
maps them to `ArticleEvents` in the project's environment.

The set-up is what LangExtract's documentation shows for an OpenAI-compatible endpoint:
`OpenAILanguageModel` with `base_url`, `fence_output=False` and
`use_schema_constraints=False` (its schema constraint is a `json_schema` response format,
which llama.cpp's server rejects; without it the provider sends `json_object`). One
extraction class per event type; the event fields are attributes, as in the example.

    build/peers-venv/bin/python benchmarks/peers/langextract_peer.py --base-url URL --out raw.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import langextract as lx
from langextract.providers.openai import OpenAILanguageModel

PROMPT = """\
Extract kinetic events about U.S. or coalition forces, in order of appearance.
Use class "attack" for a hostile action against U.S./coalition forces, bases or personnel
(rockets, missiles, drones, mortars, IEDs, small arms), whether it hit, missed or was
intercepted; use class "strike" for a strike carried out BY U.S./coalition forces.
One extraction per incident at one place on one day; skip threats, statements, troop counts
and totals that name no single incident. The extraction text is the exact sentence or phrase
of the article that reports the incident; do not paraphrase.
Attributes: salience (main = the news the article reports, background = earlier incidents
given for context), date (YYYY-MM-DD, YYYY-MM or YYYY, only when the text supports it),
date_text (the article's words for when), location (the place attacked or struck), country,
admin1 (first-level region), weapon_types (any of rocket, missile, ballistic_missile, drone,
mortar, indirect_fire, artillery, airstrike, explosive, small_arms), projectiles,
intercepted, killed, injured (numbers stated in the text), perpetrator, perpetrator_status
(claimed, attributed or unknown), target, damage, summary (one sentence). Leave out an
attribute the text does not give."""

EXAMPLE_TEXT = (
    "LARCHMONT, May 3, 2031 - Two mortar rounds hit Camp Larch in Varna province on Friday, "
    "wounding one contractor, a coalition spokesman said. The Birch Brigade claimed the "
    "attack. Hours later U.S. aircraft struck a Birch Brigade depot near Oskol. Last year a "
    "drone attack on the same camp caused minor damage."
)
EXAMPLES = [
    lx.data.ExampleData(
        text=EXAMPLE_TEXT,
        extractions=[
            lx.data.Extraction(
                extraction_class="attack",
                extraction_text="Two mortar rounds hit Camp Larch in Varna province on Friday",
                attributes={
                    "salience": "main",
                    "date": "2031-05-02",
                    "date_text": "Friday",
                    "location": "Camp Larch",
                    "admin1": "Varna",
                    "weapon_types": ["mortar"],
                    "projectiles": "2",
                    "injured": "1",
                    "perpetrator": "The Birch Brigade",
                    "perpetrator_status": "claimed",
                    "target": "Camp Larch",
                    "summary": "Two mortar rounds hit Camp Larch, wounding one contractor.",
                },
            ),
            lx.data.Extraction(
                extraction_class="strike",
                extraction_text="U.S. aircraft struck a Birch Brigade depot near Oskol",
                attributes={
                    "salience": "main",
                    "date_text": "Hours later",
                    "location": "Oskol",
                    "weapon_types": ["airstrike"],
                    "perpetrator": "U.S. aircraft",
                    "perpetrator_status": "attributed",
                    "target": "a Birch Brigade depot",
                    "summary": "U.S. aircraft struck a Birch Brigade depot near Oskol.",
                },
            ),
            lx.data.Extraction(
                extraction_class="attack",
                extraction_text="Last year a drone attack on the same camp caused minor damage",
                attributes={
                    "salience": "background",
                    "date_text": "Last year",
                    "location": "Camp Larch",
                    "weapon_types": ["drone"],
                    "perpetrator_status": "unknown",
                    "damage": "minor damage",
                    "summary": "A drone attack on Camp Larch last year caused minor damage.",
                },
            ),
        ],
    )
]


def _extraction_json(extraction: Any) -> dict[str, Any]:
    interval = extraction.char_interval
    status = extraction.alignment_status
    return {
        "extraction_class": extraction.extraction_class,
        "extraction_text": extraction.extraction_text,
        "start": interval.start_pos if interval else None,
        "end": interval.end_pos if interval else None,
        "alignment_status": status.value if status is not None else None,
        "attributes": dataclasses.asdict(extraction).get("attributes") or {},
    }


def main(argv: list[str] | None = None) -> int:
    """Extract every article and write the raw extractions."""
    parser = argparse.ArgumentParser(
        prog="benchmarks/peers/langextract_peer.py",
        description="LangExtract peer over an OpenAI-compatible endpoint; raw extractions out.",
    )
    parser.add_argument("--base-url", required=True, help="OpenAI-compatible endpoint (.../v1)")
    parser.add_argument("--articles", type=Path, default=Path("gold/articles"))
    parser.add_argument("--out", type=Path, required=True, help="raw extractions (.json)")
    parser.add_argument("--max-char-buffer", type=int, default=1000, help="LangExtract default")
    parser.add_argument("--max-tokens", type=int, default=2500, help="answer cap per call")
    args = parser.parse_args(argv)
    model = OpenAILanguageModel(
        model_id="local",
        base_url=args.base_url,
        api_key="none",
        temperature=0.0,
        max_workers=1,
        max_output_tokens=args.max_tokens,  # same cap as the instructor baseline
    )
    results: dict[str, Any] = {}
    started = time.perf_counter()
    for path in sorted(args.articles.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        t0 = time.perf_counter()
        try:
            doc = lx.extract(
                text_or_documents=text,
                prompt_description=PROMPT,
                examples=EXAMPLES,
                model=model,
                fence_output=False,
                use_schema_constraints=False,
                max_char_buffer=args.max_char_buffer,
                max_workers=1,
                show_progress=False,
            )
            extractions = [_extraction_json(e) for e in doc.extractions or []]
            results[path.stem] = {"extractions": extractions, "error": None}
        except Exception as exc:
            results[path.stem] = {"extractions": [], "error": f"{type(exc).__name__}: {exc}"}
        results[path.stem]["wall_s"] = time.perf_counter() - t0
    payload = {"wall_s": time.perf_counter() - started, "articles": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
