"""Stage for variant `sentence`: the incidents each sentence reports, grouped without a model.

Instead of asking the model to group a whole list of sentences at once (the weak stage of
`staged`), each candidate sentence is asked, with the sentence before it as context, which
incidents it reports (an empty list for none, so this also does triage). Mentions are then
grouped deterministically: same side, same place (fuzzy, generic words ignored) and a
compatible day.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from extractor import gazetteer
from extractor.core.schema import EventType
from extractor.incidents.identity import place_key, same_place
from extractor.pipeline import sides
from extractor.pipeline.chat import CallLog, ChatModel, ask_many
from extractor.pipeline.grouping import Incident
from extractor.pipeline.sentences import Sentence
from extractor.pipeline.triage import candidate
from extractor.prompts import load_prompt

PROMPT = "local_mentions"
MAX_PER_SENTENCE = 3


class Mention(BaseModel):
    """One incident a sentence reports."""

    model_config = ConfigDict(extra="forbid")

    event_type: EventType
    location: Annotated[str, Field(min_length=1, max_length=60)]
    when: Annotated[str, Field(max_length=40)] | None


class SentenceMentions(BaseModel):
    """The incidents of one sentence (possibly none)."""

    model_config = ConfigDict(extra="forbid")

    incidents: list[Mention] = Field(max_length=MAX_PER_SENTENCE)


def _compatible(group: Incident, mention: Mention) -> bool:
    if group.event_type != mention.event_type:
        return False
    if group.when and mention.when and group.when.lower() != mention.when.lower():
        a, b = group.when.lower(), mention.when.lower()
        if not (a in b or b in a):
            return False
    return same_place(group.location, mention.location)


_REFERRING_WORDS = {"same", "'s", "’s", "perimeter", "area", "compound", "site", "this", "that"}


def is_generic_place(location: str) -> bool:
    """True for places that only refer back: "the base", "the same base", "base's perimeter"."""
    return not [w for w in place_key(location).split() if w not in _REFERRING_WORDS]


def resolve_generic_places(found: list[tuple[Sentence, Mention]]) -> list[tuple[Sentence, Mention]]:
    """Mentions whose place only refers back ("the base") take the last named place of their type.

    The prompt asks the model to do this from the previous sentence; a small model often
    copies "the base" instead, which matches nothing and duplicates the incident.
    """
    resolved: list[tuple[Sentence, Mention]] = []
    last_named: dict[EventType, str] = {}
    for sentence, mention in found:
        if is_generic_place(mention.location) and mention.event_type in last_named:
            mention = mention.model_copy(update={"location": last_named[mention.event_type]})
        elif not is_generic_place(mention.location):
            last_named[mention.event_type] = mention.location
        resolved.append((sentence, mention))
    return resolved


def _written_in(location: str, sentence: str) -> bool:
    """True when the sentence writes the place itself (a spelling of it, or its words)."""
    place = gazetteer.lookup(location)
    if place is not None and place in gazetteer.find_places(sentence):
        return True
    key = place_key(location)
    return bool(key) and fuzz.partial_ratio(key, place_key(sentence)) >= 90


def drop_carried_over(found: list[tuple[Sentence, Mention]]) -> list[tuple[Sentence, Mention]]:
    """In a sentence that names its own place, drop mentions of places it does not write.

    Asked about "That followed five rockets fired towards a base in Rumalyn" with the Ain
    al-Asad sentence before it, a small model lists both places; the sentence reports only
    the one it names. A mention whose place is absent is kept when no mention of the
    sentence names its place ("the base" resolved from the sentence before).
    """
    kept: list[tuple[Sentence, Mention]] = []
    for sentence in dict.fromkeys(s for s, _ in found):
        own = [m for s, m in found if s == sentence]
        written = [m for m in own if _written_in(m.location, sentence.text)]
        kept += [(sentence, m) for m in (written or own)]
    return kept


def group_mentions(found: list[tuple[Sentence, Mention]]) -> list[Incident]:
    """Incidents from (sentence, mention) pairs in article order, merged when compatible."""
    groups: list[Incident] = []
    for sentence, mention in found:
        for i, group in enumerate(groups):
            if _compatible(group, mention):
                sentences = group.sentences
                if sentence not in sentences:
                    sentences = (*sentences, sentence)
                groups[i] = Incident(
                    group.event_type, group.location, group.when or mention.when, sentences
                )
                break
        else:
            groups.append(Incident(mention.event_type, mention.location, mention.when, (sentence,)))
    return groups


def _typed(mention: Mention, sentence: str) -> Mention:
    """The mention with its type corrected by its own sentence (`sides.corrected_type`), so
    that an interception the model called a strike groups with its attack."""
    kind = sides.corrected_type(mention.event_type, sentence, mention.location)
    return (
        mention if kind is mention.event_type else mention.model_copy(update={"event_type": kind})
    )


def mentions(model: ChatModel, log: CallLog, sentences: list[Sentence]) -> list[Incident]:
    """Ask each candidate sentence for its incidents; group them deterministically.

    Sentences that only comment on attacks (`sides.reports_no_incident`) are not asked. The
    questions do not depend on each other's answers (each gets the sentence before it as
    text), so they are asked together: a client that can decode them at once does.
    """
    template = load_prompt(PROMPT)
    asked: list[Sentence] = []
    users: list[str] = []
    system = ""
    previous = "(start of article)"
    for sentence in sentences:
        if candidate(sentence) and not sides.reports_no_incident(sentence.text):
            system, user = template.render(previous=previous, sentence=sentence.text)
            asked.append(sentence)
            users.append(user)
        if sentence.looks_like_prose:
            previous = sentence.text
    answers = ask_many(model, log, SentenceMentions, system, users, max_tokens=200, slot="mentions")
    found = [
        (sentence, _typed(mention, sentence.text))
        for sentence, answer in zip(asked, answers, strict=True)
        for mention in answer.incidents
    ]
    return group_mentions(resolve_generic_places(drop_carried_over(found)))
