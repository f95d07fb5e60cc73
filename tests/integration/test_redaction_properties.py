"""Properties of redaction on the worker's real path: generated secrets (multi-line, unicode, JSON
specials) printed in every form, streamed in arbitrary chunks through the supervisor's splitter
into a real LogSink (PostgreSQL), and returned or raised: no form survives anywhere."""

from __future__ import annotations

import base64
import json
import uuid
from itertools import pairwise
from urllib.parse import quote, quote_plus

from hypothesis import HealthCheck, given, settings, strategies as st

from app.services import logs
from app.services.redaction import Redactor
from workers.runtime import supervisor

NONCE = "f" * 32
TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r*")
SECRET_CHARS = st.one_of(TEXT, st.sampled_from('"\\\n\t\b/\u2028é€😀<>&=+%'))
ONE_LINE = st.text(TEXT.filter(lambda c: c != "\n"), min_size=4, max_size=30)
MULTI_LINE = st.lists(st.text(TEXT.filter(lambda c: c != "\n"), max_size=24), min_size=2, max_size=6).map("\n".join)
# lines too short to be masked on their own: only masking the whole value across lines hides them
SHORT_LINES = st.lists(st.text(TEXT.filter(lambda c: c != "\n"), min_size=1, max_size=3), min_size=2, max_size=5).map(
    "\n".join
)
SECRET = st.one_of(st.text(SECRET_CHARS, min_size=4, max_size=40), MULTI_LINE, SHORT_LINES).filter(
    lambda s: len(s) >= 4
)


def encoded(secret: str) -> dict[str, str]:
    """The forms the issue names, computed here independently of app.services.redaction."""
    raw = secret.encode()
    b64, url64 = base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()
    return {
        "raw": secret,
        "json": json.dumps(secret)[1:-1],
        "json_unicode": json.dumps(secret, ensure_ascii=False)[1:-1],
        "b64": b64,
        "b64_bare": b64.rstrip("="),
        "url64": url64,
        "url64_bare": url64.rstrip("="),
        "url": quote(secret, safe=""),
        "url_plus": quote_plus(secret),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
    }


def forbidden(secret: str) -> set[str]:
    lines = {line.strip() for line in secret.split("\n") if len(line.strip()) >= 4}
    return set(encoded(secret).values()) | lines


def assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        for form in forbidden(secret):
            assert form not in text, (form, text)


def chunks_of(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in pairwise(points)]


@st.composite
def runs(draw):
    secrets = draw(st.lists(SECRET, min_size=1, max_size=3))
    pieces = []
    for _ in range(draw(st.integers(1, 6))):
        pieces.append(draw(st.text(TEXT, max_size=20)))
        secret = draw(st.sampled_from(secrets))
        form = draw(st.sampled_from(sorted(encoded(secret)) + ["each line"]))
        if form == "each line":  # printed line by line, each behind a prefix of its own
            pieces.append("\n".join(f"> {line}" for line in secret.split("\n")))
        else:
            pieces.append(encoded(secret)[form])
    pieces.append(draw(st.text(TEXT, max_size=20)))
    output = "".join(pieces)
    cuts = draw(st.lists(st.integers(0, 10_000), max_size=12))
    return secrets, output, cuts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(runs(), st.booleans())
def test_no_form_of_a_secret_survives_the_log_the_result_or_the_error(run, with_result):
    secrets, output, cuts = run
    sink = logs.LogSink("run", uuid.uuid4(), redactor=Redactor(secrets))
    splitter = supervisor._StreamSplitter(NONCE, sink)
    stdout = output.encode()
    if with_result:  # what the bootstrap writes last: a newline of its own, then the result frame
        stdout += f"\n{NONCE}{json.dumps({'ok': True, 'result': {'out': output, 'n': [output]}})}\n".encode()
    for chunk in chunks_of(stdout, cuts):
        splitter.feed("stdout", chunk)
    for chunk in chunks_of(output.encode(), cuts[::-1]):
        splitter.feed("stderr", chunk)
    splitter.finish()
    sink.flush()

    stored = logs.read("run", sink.source_id)
    for stream in ("stdout", "stderr"):
        assert_clean("\n".join(line.line for line in stored if line.stream == stream), secrets)
    if with_result:
        result = sink.redactor.value(supervisor._result_outcome(splitter.frame).result)
        assert_clean(json.dumps(result, ensure_ascii=False), secrets)
        assert_clean(result["out"] + result["n"][0], secrets)
    assert_clean(sink.redactor.text(f"Error: {output}\n    at handler"), secrets)


@settings(max_examples=60, deadline=None)
@given(SECRET, st.integers(1, 3), st.lists(st.integers(0, 200_000), max_size=8))
def test_a_secret_cut_by_the_line_limit_or_a_chunk_leaves_no_prefix(secret, copies, cuts):
    """A line far longer than the 64 KiB line limit with the secret around every cut point."""
    filler = "x" * (logs.MAX_LINE - len(secret) // 2)
    output = (filler + secret) * copies + "\n"
    sink = logs.LogSink("run", uuid.uuid4(), redactor=Redactor([secret]))
    splitter = supervisor._StreamSplitter(NONCE, sink)
    for chunk in chunks_of(output.encode(), cuts):
        splitter.feed("stdout", chunk)
    splitter.finish()
    sink.flush()
    lines = [line.line for line in logs.read("run", sink.source_id)]
    assert all(len(line) <= logs.MAX_LINE for line in lines)
    assert_clean("".join(lines), [secret])
    head = secret[: max(4, len(secret) // 2)]
    if len(head) >= 4 and head.strip() == head and "x" not in head:
        assert not any(line.endswith(head) for line in lines)  # no prefix left at the end of a cut line
