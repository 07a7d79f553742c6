"""The evaluation harness: compare backends side by side on the gold articles.

    suite.py       an eval suite (`evals/<name>.toml`) loaded into frozen dataclasses
    stats.py       bootstrap confidence intervals and latency percentiles (pure)
    gate.py        thresholds and the baseline comparison that CI enforces (pure)
    recordings.py  recorded real outputs (evals/recorded/) and the baseline file
    compare.py     score each row's outputs: metrics, intervals, ops totals, the gate
    live.py        produce outputs live through the cached runner (and record them)
    results.py     the side-by-side table, and the `.json` / `.md` results files
    html_page.py   the comparison as an HTML report page (extractor.report.html)

`extractor compare` (extractor/cli/compare_cmd.py) is the thin command on top; the suite
format and the refresh workflow are documented in evals/README.md.
"""
