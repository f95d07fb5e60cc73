"""Both runtimes end to end through the engine: real packages, shared images, the handler contract."""

import uuid

import pytest
from sqlalchemy import func, select

from app.core.db import session
from app.models import Build, Run, ScriptVersion
from app.services import builds, logs, runs, scripts, secrets, versions
from tests.integration.helpers import log_lines, log_text, tryout
from tests.support.actors import acting
from workers import engine
from workers.runtime import images

pytestmark = pytest.mark.usefixtures("docker_ready")

NODE_DAYJS = """import dayjs from "dayjs";
export default async function handler(event, ctx) {
  console.log("year", dayjs("2020-05-01").year());
  console.error("to stderr");
  return { statusCode: 200, body: { got: event.body, trigger: ctx.trigger, hasDeadline: ctx.deadline > Date.now() } };
}
"""
PY_SIX = """import six
def handler(event, ctx):
    print("six says", six.text_type.__name__)
    return {"got": event["body"], "run_id_matches": ctx["run_id"] == event["run_id"]}
"""


def test_node_with_an_npm_package():
    run = tryout("node", NODE_DAYJS, ["dayjs@^1.11"], body={"n": 1})
    assert run.status == "succeeded", run.error
    assert run.result == {"statusCode": 200, "body": {"got": {"n": 1}, "trigger": "tryout", "hasDeadline": True}}
    lines = [(ln.stream, ln.line) for ln in log_lines(run)]
    assert ("stdout", "year 2020") in lines and ("stderr", "to stderr") in lines
    assert all(ln.ts is not None for ln in log_lines(run))


def test_python_with_a_pypi_package():
    run = tryout("python", PY_SIX, ["six==1.16.0"], body=[1, 2])
    assert run.status == "succeeded", run.error
    assert run.result == {"got": [1, 2], "run_id_matches": True}
    assert "six says str" in log_text(run)


def test_python_print_without_flush_is_logged_while_the_handler_still_runs():
    # not a speed check: a block-buffered stdout would deliver "early" only after the 3 s sleep
    code = "import time\ndef handler(event, ctx):\n    print('early')\n    time.sleep(3)\n    return 1\n"
    run = tryout("python", code, [])
    assert run.status == "succeeded", run.error
    early = next(ln for ln in log_lines(run) if ln.line == "early")
    assert (run.finished_at - early.ts).total_seconds() > 1.5


def _build_for(saved):
    if saved.build_queued:
        engine.execute_build(saved.build.id)
    return builds.get(saved.build.id)


def test_same_dependencies_share_one_image_and_a_change_makes_a_new_one():
    a = scripts.create(acting(), f"a-{uuid.uuid4()}", "python", PY_SIX, ["six==1.16.0", "idna==3.7"])
    b = scripts.create(
        acting(), f"b-{uuid.uuid4()}", "python", "def handler(e, c):\n    return 1\n", ["IDNA==3.7", "six==1.16.0"]
    )
    assert a.version.deps_hash == b.version.deps_hash and a.build.id == b.build.id
    build = _build_for(a)
    assert build.status == "ready" and images.image_present(build.image_ref)
    assert "idna==3.7" in build.lockfile and "six==1.16.0" in build.lockfile
    with session() as s:
        assert s.get(ScriptVersion, b.version.id).lockfile == build.lockfile  # recorded on every version
    changed = scripts.new_code(acting(), a.script.id, dependencies=["six==1.16.0", "idna==3.6"])
    assert changed.version.number == 2 and changed.version.deps_hash != a.version.deps_hash
    new_build = _build_for(changed)
    assert new_build.status == "ready" and new_build.image_ref != build.image_ref
    assert "idna==3.6" in new_build.lockfile


def test_build_log_is_stored_and_a_failed_build_fails_its_runs():
    saved = scripts.create(acting(), f"bad-{uuid.uuid4()}", "python", "x = 1\n", ["runpad-no-such-package-xyz==0.0.1"])
    build = _build_for(saved)
    assert build.status == "failed" and build.error
    log = "\n".join(ln.line for ln in logs.read("build", build.id))
    assert "runpad-no-such-package-xyz" in log and "build failed" in log
    with session() as s:
        version = s.get(ScriptVersion, saved.version.id)
        run = runs.create(s, version, "manual", {}, script=saved.script)
        s.commit()
    engine.execute_run(run.id)
    assert runs.get(run.id).status == "failed"
    assert "dependency build failed" in runs.get(run.id).error


def test_rebuild_from_the_lockfile_installs_the_same_versions():
    saved = scripts.create(acting(), f"lock-{uuid.uuid4()}", "node", "export default () => 1;", ["dayjs@^1.11"])
    build = _build_for(saved)
    images.client().images.remove(build.image_ref, force=True)  # as if pruned on this machine
    run = tryout(
        "node",
        'import d from "dayjs/package.json" with { type: "json" };\nexport default () => d.version;',
        ["dayjs@^1.11"],
    )
    assert run.status == "succeeded", run.error
    assert f"dayjs@{run.result}" in images.describe_lockfile("node", build.lockfile)
    assert "rebuilding it from the recorded lockfile" in log_text(run)


@pytest.mark.parametrize(
    "runtime,code,expected",
    [
        ("node", "export default async (e) => ({ async: true, body: e.body });", {"async": True, "body": 5}),
        ("node", "export function handler(e) { return e.body * 2; }", 10),
        ("node", "console.log('top level only');", None),
        (
            "python",
            "async def handler(e, ctx):\n    return {'async': True, 'body': e['body']}\n",
            {"async": True, "body": 5},
        ),
        ("python", "print('top level only')\n", None),
        ("python", "def handler(e, ctx):\n    return None\n", None),
    ],
)
def test_handler_shapes(runtime, code, expected):
    run = tryout(runtime, code, body=5)
    assert run.status == "succeeded", run.error
    assert run.result == expected


@pytest.mark.parametrize(
    "runtime,code",
    [
        ("node", "export default async () => { throw new Error('boom ' + 42); };"),
        ("python", "def handler(e, c):\n    raise ValueError('boom 42')\n"),
    ],
)
def test_a_throwing_handler_fails_with_its_message(runtime, code):
    run = tryout(runtime, code)
    assert run.status == "failed" and "boom 42" in run.error
    assert "boom 42" in log_text(run)


@pytest.mark.parametrize(
    "runtime,code,where",
    [
        ("node", "export default async () => { return 1 +; };", "handler.mjs"),
        ("python", "def handler(e, c):\n    return 1 +\n", "handler.py"),
    ],
)
def test_syntax_error_fails_with_the_error_in_the_log(runtime, code, where):
    run = tryout(runtime, code)
    assert run.status == "failed" and "SyntaxError" in run.error
    assert "SyntaxError" in log_text(run) and where in log_text(run)


@pytest.mark.parametrize(
    "runtime,code",
    [
        ("node", "export default () => ({ n: 10n });"),
        ("node", "export default () => { const a = {}; a.a = a; return a; };"),
        ("python", "def handler(e, c):\n    return {'s': {1, 2}}\n"),
        ("python", "def handler(e, c):\n    return float('nan')\n"),
    ],
)
def test_a_result_that_is_not_json_fails_clearly(runtime, code):
    run = tryout(runtime, code)
    assert run.status == "failed" and "not JSON-serialisable" in run.error


def test_secrets_are_environment_variables_and_redacted_everywhere():
    value = f"tok-{uuid.uuid4().hex}/+="
    secrets.put(acting(), "RUNPAD_TEST_TOKEN", value)
    code = """import os, base64, urllib.parse
def handler(e, c):
    v = os.environ["RUNPAD_TEST_TOKEN"]
    print("plain", v)
    print("b64", base64.b64encode(v.encode()).decode())
    print("url", urllib.parse.quote(v, safe=""))
    raise RuntimeError("leaked " + v)
"""
    run = tryout("python", code, secret_names=["RUNPAD_TEST_TOKEN"])
    assert run.status == "failed"
    text = log_text(run)
    assert text.count("***") >= 4 and "plain ***" in text and "b64 ***" in text and "url ***" in text
    assert value not in text and value not in run.error and "leaked ***" in run.error
    ok = tryout(
        "python",
        "import os\ndef handler(e, c):\n    return {'v': os.environ['RUNPAD_TEST_TOKEN']}\n",
        secret_names=["RUNPAD_TEST_TOKEN"],
    )
    assert ok.result == {"v": "***"}


def test_a_missing_secret_fails_before_any_container_starts():
    run = tryout("node", "export default () => 1;", secret_names=["RUNPAD_NOT_THERE"])
    assert run.status == "failed" and "RUNPAD_NOT_THERE" in run.error and run.container_id is None


def test_bad_input_is_refused_and_nothing_is_written():
    def count(model):
        with session() as s:
            return s.scalar(select(func.count()).select_from(model))

    before = (count(ScriptVersion), count(Run), count(Build))
    bad = [
        ("node", "x", ["dayjs@$(id)"], []),
        ("python", "x", ["-r /etc/passwd"], []),
        ("ruby", "x", [], []),
        ("node", "x", [], ["BAD-NAME"]),
    ]
    for runtime, code, deps, names in bad:
        with pytest.raises((versions.VersionError, scripts.ScriptError)):
            scripts.create(acting(), "x", runtime, code, deps, names)
        with session() as s, pytest.raises(versions.VersionError):
            versions.new_version(s, versions.base_for(runtime), code, deps, names)
    with session() as s:
        version = versions.new_version(s, versions.base_for("node"), "export default () => 1;", [], [])
        with pytest.raises(runs.RunError, match="limit is 6291456 bytes"):
            runs.create(s, version, "tryout", "x" * (6 * 1024 * 1024 + 1), workspace_id=acting().workspace_id)
        s.rollback()
    assert (count(ScriptVersion), count(Run), count(Build)) == before


@pytest.mark.parametrize(
    "runtime,code",
    [
        (
            "python",
            "import sys\ndef handler(e, c):\n    print('out', e['body'])\n"
            "    sys.stderr.write(f'last words {e[\"body\"]}')\n    return 1\n",
        ),
        (
            "node",
            "export default (e) => { console.log('out', e.body);"
            " process.stderr.write(`last words ${e.body}`); return 1; };",
        ),
    ],
)
def test_stderr_written_just_before_returning_is_never_lost(runtime, code):
    """stdout and stderr are separate pipes: the result on stdout must not cut off stderr's last bytes."""
    for i in range(8):
        run = tryout(runtime, code, body=i)
        assert run.status == "succeeded", run.error
        lines = [(ln.stream, ln.line) for ln in log_lines(run)]
        assert ("stderr", f"last words {i}") in lines and ("stdout", f"out {i}") in lines, lines
