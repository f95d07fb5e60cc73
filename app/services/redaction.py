"""Masks secret values in text, whole or streamed in arbitrary chunks: the value, each line of a
multi-line value, and its JSON-escaped, base64, URL-encoded and hex forms.

Values shorter than MIN_DERIVED characters are masked only as they are: their encodings and
pieces would be two- to eight-character strings that turn up everywhere by chance, and masking
them would hide the log without protecting anything a four-character secret still has.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from ahocorasick_rs import AhoCorasick, MatchKind

MASK = "***"
MIN_DERIVED = 4
# encodeURIComponent (JavaScript) leaves these unescaped where Python's quote(safe="") does not
_JS_URI_COMPONENT_SAFE = "!~*'()"


def _encodings(value: str) -> set[str]:
    raw = value.encode("utf-8", errors="surrogatepass")
    forms = {
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        quote(value, safe=_JS_URI_COMPONENT_SAFE),
        raw.hex(),
        raw.hex().upper(),
    }
    for enc in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms.update({enc, enc.rstrip("=")})
    return forms


def forms_of(value: str) -> set[str]:
    """Every string that counts as this value appearing in output."""
    forms = {value, value.replace("\x00", "")}  # NULs are dropped before a line is stored
    if len(value) >= MIN_DERIVED:
        forms |= _encodings(value)
        # a handler printing a PEM key or a JSON document line by line, or with other line endings
        forms |= {line.strip() for line in value.split("\n") if len(line.strip()) >= MIN_DERIVED}
        if "\n" in value:
            forms |= {value.replace("\r\n", "\n"), value.replace("\n", "\r\n")}
    return {f for f in forms if f}


class Redactor:
    """Finds every form of a run's secrets with one Aho-Corasick automaton built once per run, so
    a scan is linear in the text whatever the number of secrets."""

    def __init__(self, values: Iterable[str] = ()):
        patterns = sorted(set().union(*(forms_of(v) for v in values if v)))
        self.longest = max(map(len, patterns), default=0)
        # multi-line forms, with the index of their first newline: the only ones a line break can split
        self.multiline = [(p, p.index("\n")) for p in patterns if "\n" in p]
        self._automaton = AhoCorasick(patterns, matchkind=MatchKind.Standard) if patterns else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The union of every occurrence of every form, as sorted, disjoint (start, end) spans."""
        if self._automaton is None or not text:
            return []
        spans: list[list[int]] = []
        for _, start, end in sorted(
            self._automaton.find_matches_as_indexes(text, overlapping=True), key=lambda m: m[1]
        ):
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        return [(s, e) for s, e in spans]

    def text(self, text: str) -> str:
        return _masked(text, self.spans(text), 0, len(text))[0] if self._automaton and text else text

    def value(self, value: Any) -> Any:
        """Masks every string inside a JSON-like value (a result, an error); a number that is a
        secret becomes the mask."""
        if self._automaton is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k): self.value(v) for k, v in value.items()}
        if isinstance(value, (int, float)) and not isinstance(value, bool) and self.spans(str(value)):
            return MASK
        return value

    def stream(self, emit: Callable[[str], None]) -> RedactedStream:
        return RedactedStream(self, emit)


def _masked(text: str, spans: list[tuple[int, int]], lo: int, hi: int) -> tuple[str, bool]:
    """text[lo:hi] with each span's part in it replaced by MASK; and whether it ends inside a span."""
    out, pos, ends_masked = [], lo, False
    for start, end in spans:
        if end <= lo or start >= hi:
            continue
        out.append(text[pos : max(start, lo)])
        out.append(MASK)
        pos = min(end, hi)
        ends_masked = end >= hi
    out.append(text[pos:hi])
    return "".join(out), ends_masked


class RedactedStream:
    """Redacts one output stream fed in chunks cut anywhere, before it is split into lines.

    Text is passed on only once no secret form can still begin in it: the current partial line
    and, after a complete line, only a tail that could be the start of a multi-line secret are
    held back (at most `longest - 1` characters of anything, so memory stays bounded). When a
    masked stretch runs past what is passed on, its start is kept as context, so the next release
    finds the form again and masks its remainder too.
    """

    SLACK = 64 * 1024  # a partial line is looked at again only after this much more of it arrived

    def __init__(self, redactor: Redactor, emit: Callable[[str], None]):
        self.redactor, self.emit = redactor, emit
        self._context = ""
        self._pending: list[str] = []
        self._pending_size = 0
        self._ended_masked = False

    def feed(self, text: str) -> None:
        if not text:
            return
        self._pending.append(text)
        self._pending_size += len(text)
        if "\n" in text or self._pending_size > self.redactor.longest + self.SLACK:
            self._release(final=False)

    def finish(self) -> None:
        self._release(final=True)

    def _release(self, final: bool) -> None:
        buf = self._context + "".join(self._pending)
        lo = len(self._context)
        hold = len(buf) if final else max(lo, self._safe_end(buf))
        spans = self.redactor.spans(buf)
        if hold > lo:
            out, ended_masked = _masked(buf, spans, lo, hold)
            if self._ended_masked and out.startswith(MASK):
                out = out[len(MASK) :]  # one secret cut by a release: one mask
            self._ended_masked = ended_masked
            self.emit(out)
        crossing = next((start for start, end in spans if start < hold < end), None)
        keep_from = hold if crossing is None else max(crossing, hold - self.redactor.longest + 1)
        self._context = buf[keep_from:hold]
        rest = buf[hold:]
        self._pending, self._pending_size = ([rest] if rest else []), len(rest)

    def _safe_end(self, buf: str) -> int:
        """Where the text that might still grow into a secret begins."""
        anything = len(buf) - (self.redactor.longest - 1)  # a form starting before this is complete
        partial_line = buf.rfind("\n") + 1
        return min(len(buf), max(anything, min(partial_line, self._multiline_start(buf))))

    def _multiline_start(self, buf: str) -> int:
        """The first position from which the rest of buf is an unfinished multi-line form."""
        first = len(buf)
        for form, first_nl in self.redactor.multiline:
            nl = buf.find("\n", max(0, len(buf) - len(form) + first_nl + 1))
            while nl != -1 and nl - first_nl < first:
                start = nl - first_nl
                if start >= 0 and form.startswith(buf[start:]):
                    first = start
                    break
                nl = buf.find("\n", nl + 1)
        return first
