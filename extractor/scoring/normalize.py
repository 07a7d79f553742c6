"""Text normalisation and fuzzy string similarity for the scorer.

Two annotators (or a model and an annotator) spell the same thing differently: "Ain al-Asad
air base", "Al-Assad Airbase", "Ain al Asad Air Base". These functions map such variants to
one comparable form and give a similarity in [0, 1]:

- `normalize_text`: accents, case, apostrophes, periods ("U.S." -> "us"), punctuation and
  hyphens (-> spaces), and the articles "the"/"a"/"an" go away.
- `normalize_place`: on top of that, drops Arabic article particles ("al", "el"), generic
  place words ("air", "base", "airbase", "province", "western", ...) and the names of the
  region's countries (so "Ain al-Asad, Iraq" is compared as "ain asad", while "Iraq" alone
  stays "iraq"), and collapses doubled letters ("assad" -> "asad").
- `fuzzy_similarity`: the best of rapidfuzz's plain ratio, token-sort ratio and 0.9 times the
  token-set ratio. The last one makes a phrase contained in the other ("Thursday" vs
  "Thursday evening", "Al-Asad" vs "Ain al-Asad") score 0.9 instead of 1.0, so containment
  is a match but an exact spelling is preferred when both are on offer. Two guards come
  first: phrases that both hold numbers must hold the same ones ("Tower 22" is not
  "Tower 2", "January 3" not "January 4"), and a negated phrase ("no damage") never
  matches one that is not ("minor damage").
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

CONTAINMENT_WEIGHT = 0.9
"""Factor on rapidfuzz's token-set ratio: one phrase inside the other scores at most 0.9."""

_APOSTROPHES = re.compile(r"['\u2018\u2019`\u00b4\u02bc]")
_NON_WORD = re.compile(r"[^\w\s]|_")
_DOUBLED_LETTER = re.compile(r"([a-z])\1+")

_NUMBER = re.compile(r"\d+")
_NEGATIONS = frozenset({"no", "not", "none", "nobody", "without", "never", "neither", "nor"})
_ARTICLES = frozenset({"the", "a", "an"})
_ARABIC_ARTICLES = frozenset({"al", "el", "ul"})
_GENERIC_PLACE_WORDS = frozenset(
    {
        # prepositions that glue a place description together
        "of", "in", "at", "near", "outside", "inside", "on",
        # kinds of installations
        "air", "base", "bases", "airbase", "airfield", "airport", "international", "military",
        "installation", "facility", "outpost", "camp", "compound",
        # kinds of areas
        "province", "governorate", "region", "city", "town", "village", "district", "area",
        # directions
        "north", "south", "east", "west", "northern", "southern", "eastern", "western",
        "northeast", "northwest", "southeast", "southwest", "northeastern", "northwestern",
        "southeastern", "southwestern", "central",
        # countries of the region (a place "in Iraq" is the same place without it)
        "iraq", "iraqi", "syria", "syrian", "jordan", "jordanian", "yemen", "yemeni", "iran",
        "iranian", "lebanon", "lebanese", "kuwait", "israel", "us", "american", "coalition",
    }
)  # fmt: skip


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


def normalize_text(text: str) -> str:
    """Comparable form of free text: no accents, case, punctuation, hyphens or articles."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = _APOSTROPHES.sub("", plain).replace(".", "")
    plain = _NON_WORD.sub(" ", plain)
    return " ".join(token for token in plain.split() if token not in _ARTICLES)


def normalize_place(text: str) -> str:
    """Comparable form of a place name: `normalize_text` minus particles and generic words.

    When nothing but generic words is left ("Iraq", "the air base") those words are kept,
    so a bare country still compares as itself.
    """
    tokens = normalize_text(text).replace("airbase", "air base").split()
    tokens = [token for token in tokens if token not in _ARABIC_ARTICLES]
    core = [token for token in tokens if token not in _GENERIC_PLACE_WORDS] or tokens
    return " ".join(_DOUBLED_LETTER.sub(r"\1", token) for token in core)


def _is_negated(normalized: str) -> bool:
    return not _NEGATIONS.isdisjoint(normalized.split())


def fuzzy_similarity(left: str, right: str) -> float:
    """Similarity in [0, 1] of two already normalised strings (see the module docstring)."""
    if left == right:
        return 1.0
    if not left or not right:
        return 0.0
    numbers_left, numbers_right = set(_NUMBER.findall(left)), set(_NUMBER.findall(right))
    if numbers_left and numbers_right and numbers_left != numbers_right:
        return 0.0
    if _is_negated(left) != _is_negated(right):
        return 0.0
    score = max(
        fuzz.ratio(left, right),
        fuzz.token_sort_ratio(left, right),
        CONTAINMENT_WEIGHT * fuzz.token_set_ratio(left, right),
    )
    return score / 100.0


def text_similarity(left: str, right: str) -> float:
    """Fuzzy similarity in [0, 1] of two free-text phrases after `normalize_text`."""
    a, b = normalize_text(left), normalize_text(right)
    if not a or not b:  # only punctuation: fall back to a plain comparison
        return 1.0 if left.strip().casefold() == right.strip().casefold() else 0.0
    return fuzzy_similarity(a, b)


def place_similarity(left: str, right: str) -> float:
    """Fuzzy similarity in [0, 1] of two place names after `normalize_place`."""
    a, b = normalize_place(left), normalize_place(right)
    if not a or not b:
        return 1.0 if left.strip().casefold() == right.strip().casefold() else 0.0
    return fuzzy_similarity(a, b)


def quote_in_text(quote: str, normalized_text: str) -> bool:
    """Whether `quote` occurs verbatim in a text already passed through `normalize_whitespace`."""
    needle = normalize_whitespace(quote)
    return bool(needle) and needle in normalized_text
