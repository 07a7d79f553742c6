"""Stage 1: keep the sentences that report a specific incident.

A keyword filter drops sentences that cannot report a kinetic incident (no weapon or
attack word) without a model call; each remaining sentence gets one yes/no question. The
static instructions come first and the sentence last, so llama.cpp reuses the cached
instruction prefix from one sentence to the next.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from extractor.pipeline.chat import CallLog, ChatModel, ask
from extractor.pipeline.sentences import Sentence
from extractor.prompts import load_prompt

PROMPT = "local_triage"
_INCIDENT_WORDS = re.compile(
    r"\b(attack\w*|strik\w*|struck|hit|fire[ds]?|firing|launch\w*|intercept\w*|shot down|"
    r"rocket\w*|missile\w*|drone\w*|uav\w*|mortar\w*|artillery|bomb\w*|explo\w*|"
    r"barrage|rounds|targeted|targeting|airstrike\w*|raid\w*|killed|injur\w*|wounded|casualt\w*|hurt|"
    r"shell\w*|destroy\w*|took down|claimed)\b",
    re.IGNORECASE,
)


class Answer(StrEnum):
    """A yes/no verdict."""

    YES = "yes"
    NO = "no"


class TriageAnswer(BaseModel):
    """Does this sentence report one specific incident?"""

    model_config = ConfigDict(extra="forbid")

    answer: Answer


def candidate(sentence: Sentence) -> bool:
    """Prose that names an attack, a weapon or a casualty: worth asking the model about."""
    return sentence.looks_like_prose and bool(_INCIDENT_WORDS.search(sentence.text))


def triage(model: ChatModel, log: CallLog, sentences: list[Sentence]) -> list[Sentence]:
    """The sentences the model says report a specific incident, in article order."""
    template = load_prompt(PROMPT)
    kept = []
    for sentence in sentences:
        if not candidate(sentence):
            continue
        system, user = template.render(sentence=sentence.text)
        verdict = ask(model, log, TriageAnswer, system, user, max_tokens=12, slot="triage")
        if verdict.answer is Answer.YES:
            kept.append(sentence)
    return kept
