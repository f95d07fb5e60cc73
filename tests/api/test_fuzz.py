"""Schemathesis against /api/v1/openapi.json of the real app (app.api.main.api, called in-process over
ASGI): generated requests, valid and not, to every operation must never get a 5xx, and every answer
must match the document.

Bounded: at most MAX_EXAMPLES generated cases per operation (plus Schemathesis's boundary cases).
No operation is excluded. Instead: a valid `wait` is dropped (no worker runs here, so a waited-for
run would only time out; test_runs covers waiting), each case gets a fresh token (so
`DELETE /auth/token` revokes only its own) unless the case is about a missing or bad token, and half
the generated ids are swapped for ids that exist, so calls reach the services and not only 404."""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.main import api
from app.services import launch, queue, runs, scripts, tokens, users
from tests.support.actors import acting

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Loaded at import, over ASGI: the lazy from_fixture loader does not work with pytest 9 (schemathesis
# 4.32 reads request.node._nodeid, which pytest 9 no longer has).
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api)


@pytest.fixture(scope="module")
def fuzzer():
    """A user with a script, a run, a build and a spare token, whose ids stand in for generated ones.
    What the fuzzed calls queue stays in memory: the API's answers are the subject, not the runs."""
    with queue.using(queue.Memory()):
        user = users.create(f"fuzz-{uuid.uuid4().hex[:8]}@example.com", "fuzz password")
        saved = scripts.create(acting(user), "fuzzed", "python", "x = 1\n", trigger={"type": "http"})
        run = launch.manual_run(acting(user), saved.script.id, {"a": 1})
        runs.cancel(run.id)  # ended, so following its log ends too
        spare, _ = tokens.issue(user.id, "spare")
        ids = {"script_id": saved.script.id, "run_id": run.id, "build_id": saved.build.id, "token_id": spare.id}
        yield user, ids


def use_known_ids(case, ids: dict[str, uuid.UUID]) -> None:
    for name, value in (case.path_parameters or {}).items():
        try:
            generated = uuid.UUID(str(value))
        except ValueError:
            continue
        keep_random = case.method == "DELETE" and name == "script_id"  # the script must outlive the fuzzing
        if name in ids and not keep_random and generated.int % 2 == 0:
            case.path_parameters[name] = str(ids[name])


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=bool(os.environ.get("CI")),
)  # new inputs on every run here; the same ones in CI
def test_no_server_errors_and_answers_match_the_document(case, fuzzer):
    user, ids = fuzzer
    use_known_ids(case, ids)
    negative = case.meta.is_negative_at if case.meta else (lambda location: False)
    if case.query and str(case.query.get("wait")).lower() in ("true", "1", "on", "yes"):
        del case.query["wait"]  # a valid value, and optional: the case stays as valid as it was
    headers = {}
    if not negative(ParameterLocation.HEADER):  # else the case is about a missing or bad token: send none
        headers["authorization"] = f"Bearer {tokens.issue(user.id, 'fuzz')[1]}"
    case.call_and_validate(headers=headers, checks=CHECKS, timeout=60)
