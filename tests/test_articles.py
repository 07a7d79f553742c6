"""Reading inputs: every bad input gets a one-line reason and the batch goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.articles import MAX_ARTICLE_BYTES, read_articles


def test_good_files_and_directories(tmp_path: Path) -> None:
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "a1.txt").write_text("Rockets hit a base.", encoding="utf-8")
    (folder / "notes.md").write_text("ignored", encoding="utf-8")
    single = tmp_path / "b2.txt"
    single.write_bytes("\ufeffDrone attack.".encode())
    batch = read_articles([folder, single, single])
    assert [a.article_id for a in batch.articles] == ["a1", "b2"]
    assert batch.articles[1].text == "Drone attack."  # BOM dropped
    assert batch.problems == ()


BAD_INPUTS = {
    "missing path": (None, "no such file or directory"),
    "empty file": (b"  \n", "empty file"),
    "binary file": (b"abc\x00def", "binary file (NUL byte at offset 3)"),
    "not utf-8": (b"caf\xe9 attack", "not valid UTF-8 (tried utf-8): byte 0xe9 at offset 3"),
    "too large": (b"x" * (MAX_ARTICLE_BYTES + 1), "file too large"),
}


@pytest.mark.parametrize("content,message", BAD_INPUTS.values(), ids=list(BAD_INPUTS))
def test_bad_file_is_reported_and_others_go_on(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Rockets hit a base.", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    if content is not None:
        bad.write_bytes(content)
    batch = read_articles([bad, good])
    assert [a.article_id for a in batch.articles] == ["good"]
    [problem] = batch.problems
    assert message in problem.message
    assert str(bad) in problem.message
    assert "\n" not in problem.message


def test_directory_without_txt_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    [problem] = read_articles([tmp_path / "empty"]).problems
    assert "directory has no .txt, .jsonl, .csv or .html files" in problem.message


def test_duplicate_article_id_from_two_inputs(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a1.txt").write_text(f"text {name}", encoding="utf-8")
    batch = read_articles([tmp_path / "one", tmp_path / "two"])
    assert [a.text for a in batch.articles] == ["text one"]
    [problem] = batch.problems
    assert "duplicate article id 'a1'" in problem.message


def test_unreadable_file(tmp_path: Path) -> None:
    link = tmp_path / "dangling.txt"
    link.symlink_to(tmp_path / "gone.txt")
    [problem] = read_articles([link]).problems
    assert "cannot read file" in problem.message
