"""The text a JSON answer must continue with, read from its schema (issue 17).

Half of a bounded answer is fixed by its schema: every key (all are required, in a fixed
order), the quotes and brackets that open a value that cannot be null, the rest of an enum
value once its first letters are written, and the brace after the last key. A model asked
for those tokens spends a whole decode step on each (about 0.1 s on 2 cores) to write what
the grammar leaves no choice about. `JsonForcing.continuation` returns that text; the
decoder appends its tokens in the same batch as the model's last choice (as SGLang's
"jump-forward" decoding does), so the model only decides where there is something to decide.

The forced text is written the way the prompts' examples and `json.dumps` write JSON
(`{"key": value, "key": [...]}`), and it stops before the space that precedes a value the
model chooses (` null`, ` 2`): the model writes that space inside its own token, as it does
without forcing. Every forced token is still checked against the grammar by the decoder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COMPLETE = None
"""What `_step` finds after an answer whose top-level value is closed."""

_LITERALS = ("null", "true", "false")
_LITERAL_CHARS = set("0123456789+-.eE") | set("nultrefas")
_MAX_STEPS = 32


@dataclass
class _Frame:
    """One open container (or the root) while the answer is scanned."""

    kind: str  # "root", "object" or "array"
    schema: dict[str, Any]
    state: str  # root: value/done; object: first/key/colon/value/after; array: first/value/after
    keys: list[str] = field(default_factory=list)
    items: int = 0


@dataclass
class _Scan:
    """Where an answer stands after its text: open frames and any unfinished token."""

    frames: list[_Frame]
    string: str | None = None  # the unfinished string's text so far
    string_is_key: bool = False
    string_schema: dict[str, Any] | None = None
    literal: str | None = None  # an unfinished number or null/true/false
    broken: bool = False
    spaced: bool = False  # the text ends with whitespace: forced text starts without it


def _without_merging_tail(forced: str) -> str:
    """`forced` without a last character the model writes merged with its next choice.

    A closing quote before a choice is written `"],` or `",` and an opening bracket ` [{"`
    or ` ["` in the model's own tokens; forced alone they would split those tokens where
    the model never saw them split (and a small model then writes `" minister"` for
    `"minister"`). An opening quote ` "` is a token of its own and stays.
    """
    if forced.endswith('"') and not forced.endswith(' "'):
        return forced[:-1]
    if forced.endswith(("[", "{")):
        return forced[:-1].rstrip(" ")
    return forced


class JsonForcing:
    """What an answer under `schema` (a JSON Schema with `$defs`) must continue with."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._defs: dict[str, Any] = schema.get("$defs", {})

    def continuation(self, text: str) -> str:
        """The text forced after `text`: "" when the model has a choice or the answer is
        complete (`complete`)."""
        forced = ""
        for _ in range(_MAX_STEPS):
            step = self._step(self._scan(text + forced))
            if not step:
                break
            forced += step
        return _without_merging_tail(forced)

    def complete(self, text: str) -> bool:
        """True when `text`'s top-level value is closed: nothing more may follow."""
        return self._step(self._scan(text)) is COMPLETE

    # -- schema helpers ------------------------------------------------------------------
    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self._defs[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def _single(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        """The one non-null shape a value must take, or None when it has a choice."""
        schema = self._resolve(schema)
        variants = schema.get("anyOf") or schema.get("oneOf")
        if variants:
            return None if len(variants) != 1 else self._single(variants[0])
        return schema if isinstance(schema.get("type"), str) else None

    def _properties(self, schema: dict[str, Any]) -> list[str] | None:
        """The object's keys in order when every one is required and no other may appear
        (the grammar then fixes them and their order); None otherwise."""
        props = list(schema.get("properties", {}))
        if not props or schema.get("additionalProperties") not in (None, False):
            return None
        if set(schema.get("required", [])) != set(props):
            return None
        return None if any('"' in key or "\\" in key for key in props) else props

    def _value_schema(self, frame: _Frame) -> dict[str, Any]:
        if frame.kind == "object":
            return frame.schema.get("properties", {}).get(frame.keys[-1], {})
        if frame.kind == "array":
            return frame.schema.get("items", {})
        return frame.schema

    # -- scanning ------------------------------------------------------------------------
    def _scan(self, text: str) -> _Scan:
        scan = _Scan(frames=[_Frame("root", self.schema, "value")])
        escaped = False
        for char in text:
            if scan.broken:
                break
            if scan.string is not None:
                if escaped:
                    escaped = False
                    scan.string += char
                elif char == "\\":
                    escaped = True
                    scan.string += char
                elif char == '"':
                    self._string_done(scan)
                else:
                    scan.string += char
                continue
            if scan.literal is not None:
                if char in _LITERAL_CHARS:
                    scan.literal += char
                    continue
                scan.literal = None
                self._value_done(scan)
            self._structural(scan, char)
        if scan.literal in _LITERALS:
            scan.literal = None
            self._value_done(scan)
        scan.spaced = text[-1:].isspace() and scan.string is None
        return scan

    def _structural(self, scan: _Scan, char: str) -> None:
        frame = scan.frames[-1]
        if char.isspace():
            return
        expecting_value = frame.state == "value" or (
            frame.kind == "array" and frame.state == "first"
        )
        if char == '"':
            if frame.kind == "object" and frame.state in ("first", "key"):
                scan.string, scan.string_is_key = "", True
            elif expecting_value:
                scan.string, scan.string_is_key = "", False
                scan.string_schema = self._resolve(self._value_schema(frame))
            else:
                scan.broken = True
        elif char in "{[" and expecting_value:
            shape = self._single(self._value_schema(frame)) or {}
            kind = "object" if char == "{" else "array"
            scan.frames.append(_Frame(kind, shape, "first"))
        elif char in "}]" and frame.kind == ("object" if char == "}" else "array"):
            scan.frames.pop()
            self._value_done(scan)
        elif char == "," and frame.state == "after" and frame.kind in ("object", "array"):
            frame.state = "key" if frame.kind == "object" else "value"
        elif char == ":" and frame.state == "colon":
            frame.state = "value"
        elif char in _LITERAL_CHARS and expecting_value:
            scan.literal = char
        else:
            scan.broken = True

    def _string_done(self, scan: _Scan) -> None:
        text, scan.string = scan.string or "", None
        frame = scan.frames[-1]
        if scan.string_is_key:
            frame.keys.append(text)
            frame.state = "colon"
        else:
            self._value_done(scan)

    def _value_done(self, scan: _Scan) -> None:
        frame = scan.frames[-1]
        if frame.kind == "root":
            frame.state = "done"
        else:
            frame.state = "after"
            frame.items += 1

    # -- what is forced ------------------------------------------------------------------
    def _step(self, scan: _Scan) -> str | None:
        step = self._forced(scan)
        return step.lstrip(" ") if step and scan.spaced else step

    def _forced(self, scan: _Scan) -> str | None:
        if scan.broken:
            return ""
        frame = scan.frames[-1]
        if scan.string is not None:
            return self._in_string(scan, frame)
        if scan.literal is not None:
            fits = [w for w in _LITERALS if w.startswith(scan.literal)]
            return fits[0][len(scan.literal) :] if len(fits) == 1 else ""
        if frame.kind == "root":
            return COMPLETE if frame.state == "done" else self._opener(frame.schema, "")
        if frame.kind == "object":
            return self._in_object(frame)
        if frame.state == "after":
            return "]" if frame.items >= frame.schema.get("maxItems", 1 << 30) else ""
        if frame.state == "value":
            return self._opener(frame.schema.get("items", {}), " ")
        return ""

    def _in_string(self, scan: _Scan, frame: _Frame) -> str:
        typed = scan.string or ""
        if scan.string_is_key:
            keys = self._properties(frame.schema) or []
            index = len(frame.keys)
            if index < len(keys) and keys[index].startswith(typed):
                return keys[index][len(typed) :] + '":'
            return ""
        enum = (scan.string_schema or {}).get("enum")
        if not enum:
            return ""
        fits = [str(v) for v in enum if str(v).startswith(typed)]
        return fits[0][len(typed) :] + '"' if len(fits) == 1 else ""

    def _in_object(self, frame: _Frame) -> str:
        keys = self._properties(frame.schema)
        if keys is None:
            return ""
        done = len(frame.keys)
        if frame.state in ("first", "key"):
            if done >= len(keys):
                return "}" if frame.state == "first" else ""
            lead = "" if frame.state == "first" else " "
            return f'{lead}"{keys[done]}":'
        if frame.state == "colon":
            return ":"
        if frame.state == "value":
            return self._opener(frame.schema.get("properties", {}).get(frame.keys[-1], {}), " ")
        return "," if done < len(keys) else "}"

    def _opener(self, schema: dict[str, Any], lead: str) -> str:
        shape = self._single(schema)
        if shape is None:
            return ""
        opener = {"string": '"', "object": "{", "array": "["}.get(str(shape.get("type")), "")
        return lead + opener if opener else ""
