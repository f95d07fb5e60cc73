"""A multi-line secret printed by a real container, whole, line by line, JSON-escaped and in hex,
never reaches the stored log, the result or the error."""

import base64
import json
import secrets as pysecrets

import pytest

from app.services import secrets
from tests.integration.helpers import log_text, tryout
from tests.support.actors import acting

pytestmark = pytest.mark.usefixtures("docker_ready")


def pem_like() -> str:
    body = base64.b64encode(pysecrets.token_bytes(150)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN PRIVATE KEY-----", *lines, "-----END PRIVATE KEY-----"])


NODE_PRINTS = """export default async function handler() {
  const v = process.env.RUNPAD_TEST_PEM;
  console.log("whole:\\n" + v);
  for (const line of v.split("\\n")) console.log("line", line);
  console.log("json", JSON.stringify({ key: v }));
  console.log("hex", Buffer.from(v).toString("hex"), Buffer.from(v).toString("hex").toUpperCase());
  for (const c of v) process.stdout.write(c);  // one character per write: the worker sees it cut anywhere
  process.stdout.write("\\n");
  console.error(JSON.stringify(v));
  throw new Error("failed with " + v);
}
"""

PYTHON_RETURNS = """import json, os
def handler(event, ctx):
    v = os.environ["RUNPAD_TEST_PEM"]
    print(json.dumps(v), v.encode().hex())
    return {"pem": v, "escaped": json.dumps(v)[1:-1], "lines": v.split("\\n")}
"""


def forms(value: str) -> list[str]:
    escaped = json.dumps(value)[1:-1]
    return [
        value,
        escaped,
        value.encode().hex(),
        value.encode().hex().upper(),
        *(line for line in value.split("\n") if len(line) >= 4),
    ]


def test_a_multi_line_secret_and_its_forms_never_reach_the_log_result_or_error():
    value = pem_like()
    secrets.put(acting(), "RUNPAD_TEST_PEM", value)

    run = tryout("node", NODE_PRINTS, secret_names=["RUNPAD_TEST_PEM"])
    text = log_text(run)
    assert run.status == "failed" and "failed with ***" in run.error
    assert "whole:" in text and "line ***" in text and "json " in text and "hex *** ***" in text
    for form in forms(value):
        assert form not in text and form not in run.error

    ok = tryout("python", PYTHON_RETURNS, secret_names=["RUNPAD_TEST_PEM"])
    assert ok.status == "succeeded"
    assert ok.result["pem"] == "***" and ok.result["escaped"] == "***"
    stored = log_text(ok) + json.dumps(ok.result)
    for form in forms(value):
        assert form not in stored
