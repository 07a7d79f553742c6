"""The review app's JSON API and files, through Starlette's test client (no browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from extractor.cli import app as cli_app
from extractor.core.errors import InputError
from extractor.predictions import evaluate_paths, load_gold
from extractor.review_app import ReviewStore, create_app
from tests.review_app.conftest import SEED, XSS, XSS_QUOTE, Run

URL = f"/api/articles/{SEED}"


def client_for(run: Run) -> TestClient:
    store = ReviewStore.open(run.run, run.gold, run.articles, "tester")
    return TestClient(create_app(store), base_url="http://127.0.0.1")


def decided(client: TestClient, statuses: list[str]) -> dict[str, Any]:
    """Set every event's status and write the draft; returns the answer."""
    draft = client.get(URL).json()["draft"]
    for event, status in zip(draft["events"], statuses, strict=True):
        event["status"] = status
    answer = client.put(f"{URL}/draft", json={"base_version": draft["version"], **draft})
    return answer.json()


def test_lists_articles_with_progress(review_run: Run) -> None:
    body = client_for(review_run).get("/api/articles").json()
    rows = {row["article_id"]: row for row in body["articles"]}
    assert set(rows) == {SEED, XSS}
    assert rows[SEED] == {
        "article_id": SEED,
        "events": 3,
        "decided": 0,
        "saved": False,
        "saved_at": None,
        "needs_review": 1,
    }


def test_draft_places_evidence_exactly_in_the_text(review_run: Run) -> None:
    body = client_for(review_run).get(URL).json()
    text = body["text"]
    for event in body["draft"]["events"]:
        for span in event["evidence"]:
            assert text[span["start"] : span["end"]] == span["quote"]
    assert body["draft"]["events"][1]["review_reasons"] == [
        "killed 4: the sentence counts a strike's casualties"
    ]


def test_save_writes_gold_that_eval_reads_and_a_review_record_beside_it(review_run: Run) -> None:
    client = client_for(review_run)
    draft = client.get(URL).json()["draft"]
    draft["events"][0]["status"] = "accepted"
    draft["events"][0]["fields"]["projectiles"] = 2
    draft["events"][1]["status"] = "rejected"
    draft["events"][2]["status"] = "accepted"
    written = client.put(f"{URL}/draft", json={"base_version": 0, "events": draft["events"]})
    assert written.status_code == 200, written.text
    saved = client.post(f"{URL}/gold", json={"base_version": 1, "reviewer": "Ann"})
    assert saved.status_code == 200, saved.text
    gold = load_gold(review_run.gold)
    assert [e.projectiles for e in gold.records[SEED].events] == [2, None]
    review = json.loads((review_run.gold / "reviews" / f"{SEED}.json").read_text())
    assert review["reviewer"] == "Ann" and review["saved_at"]
    assert review["events"] == {"pending": 0, "accepted": 2, "rejected": 1}
    assert "reviewer" not in (review_run.gold / f"{SEED}.json").read_text()
    assert evaluate_paths(review_run.gold, review_run.gold).metrics.event_f1_all == 1.0
    score = client.post("/api/score", json={}).json()
    assert score["articles"] == [SEED] and score["score"]["n_gold_events"] == 2


def test_accepting_clears_review_reasons(review_run: Run) -> None:
    client = client_for(review_run)
    body = decided(client, ["pending", "accepted", "pending"])
    assert body["draft"]["events"][1]["review_reasons"] == []


def test_pending_events_block_a_save(review_run: Run) -> None:
    client = client_for(review_run)
    decided(client, ["accepted", "pending", "rejected"])
    answer = client.post(f"{URL}/gold", json={"base_version": 1})
    assert answer.status_code == 400
    assert "1 event(s) still pending" in answer.json()["error"]
    assert not (review_run.gold / f"{SEED}.json").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("killed", "lots", "events[0].fields.killed: Input should be a valid integer"),
        ("killed", -1, "events[0].fields.killed: Input should be greater than or equal to 0"),
        ("event_type", "riot", "events[0].fields.event_type: Input should be 'attack' or"),
        ("date", "2024-13", "events[0].fields.date: Value error, not a calendar date"),
        ("weapon_types", ["laser"], "events[0].fields.weapon_types[0]: Input should be"),
        ("colour", "red", "events[0].fields.colour: Extra inputs are not permitted"),
    ],
)
def test_a_wrong_field_value_is_refused_with_its_name(
    review_run: Run, field: str, value: object, message: str
) -> None:
    client = client_for(review_run)
    draft = client.get(URL).json()["draft"]
    draft["events"][0]["fields"][field] = value
    answer = client.put(f"{URL}/draft", json={"base_version": 0, "events": draft["events"]})
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(message)
    assert client.get(URL).json()["draft"]["version"] == 0


@pytest.mark.parametrize(
    ("span", "message"),
    [
        ({"quote": "x", "start": 99_999, "end": 100_000}, "is outside the text"),
        ({"quote": "not these words", "start": 0, "end": 15}, "the quote is not the text"),
    ],
)
def test_a_span_outside_the_text_is_refused(review_run: Run, span: dict, message: str) -> None:
    client = client_for(review_run)
    draft = client.get(URL).json()["draft"]
    draft["events"][0]["evidence"].append(span)
    answer = client.put(f"{URL}/draft", json={"base_version": 0, "events": draft["events"]})
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_a_quote_not_in_the_text_blocks_the_save(review_run: Run) -> None:
    client = client_for(review_run)
    draft = client.get(URL).json()["draft"]
    for event in draft["events"]:
        event["status"] = "accepted"
    draft["events"][0]["evidence"].append({"quote": "words the article never says"})
    client.put(f"{URL}/draft", json={"base_version": 0, "events": draft["events"]})
    answer = client.post(f"{URL}/gold", json={"base_version": 1})
    assert answer.status_code == 400 and "is not in the article" in answer.json()["error"]


def test_a_stale_write_is_a_conflict_that_keeps_both_versions(review_run: Run) -> None:
    client = client_for(review_run)
    first = decided(client, ["accepted", "accepted", "accepted"])
    draft = first["draft"]
    draft["events"][0]["fields"]["killed"] = 9
    stale = client.put(f"{URL}/draft", json={"base_version": 0, "events": draft["events"]})
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 1
    assert client.get(URL).json()["draft"]["events"][0]["fields"]["killed"] is None
    late_save = client.post(f"{URL}/gold", json={"base_version": 0})
    assert late_save.status_code == 409
    assert not (review_run.gold / f"{SEED}.json").exists()


def test_gold_changed_on_disk_since_the_draft_began_is_a_conflict(review_run: Run) -> None:
    client = client_for(review_run)
    decided(client, ["accepted", "rejected", "accepted"])
    review_run.gold.mkdir(exist_ok=True)
    (review_run.gold / f"{SEED}.json").write_text('{"article_id": "x", "events": []}')
    answer = client.post(f"{URL}/gold", json={"base_version": 1})
    assert answer.status_code == 409 and "changed since this draft began" in answer.json()["error"]
    forced = client.post(f"{URL}/gold", json={"base_version": 1, "force": True})
    assert forced.status_code == 200
    assert load_gold(review_run.gold).records[SEED].events


@pytest.mark.parametrize("article_id", ["..", "..%2F..%2Fetc", ".hidden", "nope"])
def test_article_ids_cannot_leave_the_gold_folder(review_run: Run, article_id: str) -> None:
    client = client_for(review_run)
    answer = client.put(f"/api/articles/{article_id}/draft", json={"base_version": 0, "events": []})
    assert answer.status_code == 404
    assert not any(review_run.gold.rglob("*.json"))


def test_only_json_bodies_and_local_hosts_are_answered(review_run: Run) -> None:
    client = client_for(review_run)
    form = client.post(f"{URL}/gold", content="base_version=0")
    assert form.status_code == 415
    elsewhere = client.get("/api/articles", headers={"host": "evil.example"})
    assert elsewhere.status_code == 400


def test_the_page_forbids_inline_scripts(review_run: Run) -> None:
    page = client_for(review_run).get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client_for(review_run).get("/static/review.js").status_code == 200


def test_diff_names_changed_fields_and_the_saved_gold(review_run: Run) -> None:
    client = client_for(review_run)
    draft = client.get(URL).json()["draft"]
    for event in draft["events"]:
        event["status"] = "accepted"
    draft["events"][0]["fields"]["injured"] = 6
    client.put(f"{URL}/draft", json={"base_version": 0, "events": draft["events"]})
    client.post(f"{URL}/gold", json={"base_version": 1})
    draft = client.get(URL).json()["draft"]
    draft["events"][2]["status"] = "rejected"
    client.put(f"{URL}/draft", json={"base_version": 2, "events": draft["events"]})
    diff = client.get(f"{URL}/diff").json()
    assert diff["cards"][0]["fields"] == [{"field": "injured", "before": 5, "after": 6}]
    assert diff["gold"]["dropped"] == ["Jurf al Sakhar"]


def test_a_malformed_run_is_one_clear_error(tmp_path: Path, review_run: Run) -> None:
    (review_run.run / f"{SEED}.json").write_text("{not json")
    with pytest.raises(InputError, match="malformed JSON"):
        ReviewStore.open(review_run.run, review_run.gold, review_run.articles)
    result = CliRunner().invoke(
        cli_app, ["review", str(review_run.run), "--articles", str(review_run.articles)]
    )
    assert result.exit_code == 2 and "malformed JSON" in result.output


def test_articles_without_text_are_named(review_run: Run) -> None:
    (review_run.articles / f"{XSS}.txt").unlink()
    with pytest.raises(InputError, match=f"no article text for {XSS}"):
        ReviewStore.open(review_run.run, review_run.gold, review_run.articles)


def test_an_added_event_saves_with_its_selected_quote(review_run: Run) -> None:
    client = client_for(review_run)
    url = f"/api/articles/{XSS}"
    body = client.get(url).json()
    start = body["text"].index("nobody was hurt")
    events = body["draft"]["events"]
    events[0]["status"] = "rejected"
    fields = {**events[0]["fields"], "location": "Camp Test", "summary": "Rockets hit it."}
    events.append(
        {
            "key": "a1",
            "status": "accepted",
            "fields": fields,
            "evidence": [{"quote": XSS_QUOTE, "start": 0, "end": len(XSS_QUOTE)}],
        }
    )
    events[1]["evidence"].append({"quote": "nobody was hurt", "start": start, "end": start + 15})
    assert client.put(f"{url}/draft", json={"base_version": 0, "events": events}).is_success
    assert client.post(f"{url}/gold", json={"base_version": 1}).is_success
    gold = load_gold(review_run.gold).records[XSS]
    assert [e.evidence for e in gold.events] == [[XSS_QUOTE, "nobody was hurt"]]


def test_an_extract_output_folder_reviewed_in_full_is_gold_eval_reads(tmp_path: Path) -> None:
    articles = Path(__file__).resolve().parents[2] / "gold" / "articles"
    out, gold = tmp_path / "out", tmp_path / "gold"
    extracted = CliRunner().invoke(
        cli_app,
        ["extract", str(articles), "--backend", "fake", "--out", str(out), "--no-cache"],
    )
    assert extracted.exit_code == 0, extracted.output
    store = ReviewStore.open(out, gold, articles, "tester")
    client = TestClient(create_app(store), base_url="http://127.0.0.1")
    ids = [row["article_id"] for row in client.get("/api/articles").json()["articles"]]
    assert len(ids) == 5
    text = client.get(f"/api/articles/{ids[0]}").json()["text"]
    quote = text.split(".")[0]
    event = {
        "key": "a1",
        "status": "accepted",
        "fields": {
            "event_type": "attack",
            "salience": "main",
            "location": "a base",
            "perpetrator_status": "unknown",
            "summary": "An attack on a base.",
        },
        "evidence": [{"quote": quote, "start": 0, "end": len(quote)}],
    }
    put = client.put(f"/api/articles/{ids[0]}/draft", json={"base_version": 0, "events": [event]})
    assert put.status_code == 200, put.text
    for article_id in ids:
        version = client.get(f"/api/articles/{article_id}").json()["draft"]["version"]
        saved = client.post(f"/api/articles/{article_id}/gold", json={"base_version": version})
        assert saved.status_code == 200, saved.text
    result = evaluate_paths(out, gold)
    assert result.metrics.n_gold_events == 1 and result.metrics.n_pred_events == 0


def test_a_taken_port_is_one_line(review_run: Run) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli_app,
            [
                *("review", str(review_run.run), "--articles", str(review_run.articles)),
                *("--port", str(port)),
            ],
        )
    assert result.exit_code == 2 and "pass another --port" in result.output


def test_a_run_reads_from_the_sqlite_file_extract_wrote(tmp_path: Path) -> None:
    import sqlite3

    articles = Path(__file__).resolve().parents[2] / "gold" / "articles"
    db = tmp_path / "events.db"
    extracted = CliRunner().invoke(
        cli_app,
        [
            *("extract", str(articles), "--backend", "fake", "--no-cache"),
            *("--out", str(tmp_path / "out"), "--sqlite", str(db)),
        ],
    )
    assert extracted.exit_code == 0, extracted.output
    store = ReviewStore.open(db, tmp_path / "gold", articles)
    assert len(store.predictions) == 5
    assert all(not record.events for record in store.predictions.values())
    with sqlite3.connect(tmp_path / "not-ours.db") as other:
        other.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match="not a database `extract --sqlite` wrote"):
        ReviewStore.open(tmp_path / "not-ours.db", tmp_path / "gold", articles)


def test_a_restarted_server_finds_every_autosaved_change(review_run: Run) -> None:
    client = client_for(review_run)
    draft = client.get(URL).json()["draft"]
    draft["events"][0]["fields"]["damage"] = "typed before the crash"
    client.put(f"{URL}/draft", json={"base_version": 0, "events": draft["events"]})
    drafts = review_run.gold / "reviews" / "drafts"
    assert [p.name for p in drafts.iterdir()] == [f"{SEED}.json"]  # no temp file left
    restarted = client_for(review_run).get(URL).json()["draft"]
    assert restarted["version"] == 1
    assert restarted["events"][0]["fields"]["damage"] == "typed before the crash"
