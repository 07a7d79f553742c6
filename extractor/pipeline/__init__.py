"""The small-model extraction pipeline: stages that carry a weak local model.

A 0.5-1.5B model asked for every event in one go invents events and fields (see
../shared/LOCAL-MODEL-FACTS.md). These modules split the work into small, bounded,
grammar-constrained questions and check every answer against the article deterministically:

    sentences   split the article into sentences with offsets; find its reference date
    triage      keep the sentences that report a specific incident (keywords, then yes/no)
    grouping    group kept sentences into incidents (type, place, day)
    fields      fill one incident's fields with a small bounded schema
    rules       dates, number words, counts that must appear in the text, weapon keywords
    dedup       merge events describing the same incident
    oneshot     the one-call variant (bounded schema, evidence first) + the same rules
    staged      the staged variant, stage by stage

Everything talks to the model through the `ChatModel` protocol in `chat`, so the stages are
tested with a scripted fake and the backend owns llama.cpp.
"""
