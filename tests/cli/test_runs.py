"""runpad push, run, tryout and logs with a real worker: a pushed edit is a new version once its build
is ready, a failed build fails the push with its log, and a run's log and result reach the terminal,
with the exit status saying whether the run succeeded."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("worker")]

GREETER = "def handler(event, ctx):\n    return {'hi': event['body']['who']}\n"
GREETER_2 = (
    "def handler(event, ctx):\n"
    "    print('greeting', event['body']['who'])\n"
    "    return {'hello': event['body']['who']}\n"
)
FAILING = "def handler(event, ctx):\n    print('about to fail', flush=True)\n    raise ValueError('boom')\n"


def script_dir(root, name, code, config="runtime: python\n", handler="handler.py"):
    directory = root / name
    directory.mkdir(parents=True)
    (directory / handler).write_text(code)
    (directory / "runpad.yaml").write_text(config)
    return directory


def script_named(user, name):
    (script,) = [s for s in user.http.get("/scripts").json() if s["name"] == name]
    return script


def run_id_in(output):
    return re.search(r"run ([0-9a-f-]{36}) ", output).group(1)


def test_an_edit_pushed_makes_a_new_version_that_runs(runpad, alice, tmp_path):
    folder = tmp_path / "scripts"
    directory = script_dir(folder, "greeter", GREETER)
    created = runpad("push", folder)
    assert created.exit_code == 0, created.output
    assert "1 create" in created.output and "pushed: 1 change(s), 0 failure(s)" in created.output
    first = script_named(alice, "greeter")
    assert first["version"] == first["deployed_version"] == 1  # push waited for the build and the deploy

    (directory / "handler.py").write_text(GREETER_2)
    edited = runpad("push", folder)
    assert edited.exit_code == 0, edited.output
    assert "1 new version" in edited.output
    second = script_named(alice, "greeter")
    assert second["id"] == first["id"] and second["version"] == 2 and second["code"] == GREETER_2
    assert second["deployed_version"] == 2  # push waited until it was live
    assert [v["number"] for v in alice.http.get(f"/scripts/{first['id']}/versions").json()] == [2, 1]
    assert "1 unchanged" in runpad("push", folder).output
    assert script_named(alice, "greeter")["version"] == 2

    ran = runpad("run", "greeter", "--event", "-", "--follow", stdin='{"who": "ann"}')
    assert ran.exit_code == 0, ran.output
    assert "greeting ann" in ran.output and '"hello": "ann"' in ran.output
    run = alice.http.get(f"/runs/{run_id_in(ran.output)}").json()
    assert run["status"] == "succeeded" and run["version"] == 2 and run["result"] == {"hello": "ann"}


def test_a_failed_run_exits_non_zero_with_its_log_and_logs_shows_it(runpad, tmp_path):
    folder = tmp_path / "scripts"
    script_dir(folder, "failing", FAILING)
    assert runpad("push", folder).exit_code == 0

    followed = runpad("run", "failing", "--follow")
    assert followed.exit_code == 1
    assert "about to fail" in followed.output and "failed" in followed.output and "boom" in followed.output
    waited = runpad("run", "failing")  # the log once the run has ended
    assert waited.exit_code == 1 and "about to fail" in waited.output and "boom" in waited.output

    run_id = run_id_in(followed.output)
    log = runpad("logs", run_id)
    assert log.exit_code == 0 and "about to fail" in log.output
    again = runpad("logs", run_id, "--follow")  # an ended run: its whole log, then its outcome
    assert again.exit_code == 1 and "about to fail" in again.output and f"run {run_id} failed" in again.output

    missing = runpad("run", "no such script")
    assert missing.exit_code == 1 and "no script named 'no such script'" in missing.output


def test_a_build_that_fails_fails_the_push_with_its_log(runpad, alice, tmp_path):
    folder = tmp_path / "scripts"
    config = "runtime: python\ndependencies:\n- runpad-no-such-package-xyz==0.0.1\n"
    script_dir(folder, "broken", "x = 1\n", config)
    failed = runpad("push", folder)
    assert failed.exit_code == 1, failed.output
    assert "broken (create): its dependency build failed" in failed.output
    assert "runpad-no-such-package-xyz" in failed.output
    assert script_named(alice, "broken")["build"]["status"] == "failed"

    # pushed again unchanged, the script still does not build: the push still fails, a dry run shows why
    again = runpad("push", folder)
    assert again.exit_code == 1 and "broken (unchanged): its build failed" in again.output
    assert script_named(alice, "broken")["deployed_version"] is None
    assert script_named(alice, "broken")["version"] == 1
    planned = runpad("push", folder, "--dry-run")
    assert planned.exit_code == 0 and "its build failed" in planned.output


def test_tryout_runs_a_local_file_with_its_folders_settings(runpad, tmp_path):
    loose = tmp_path / "double.mjs"
    loose.write_text("export default (event) => { console.log('doubling'); return event.body * 2; };\n")
    (tmp_path / "event.json").write_text("21")
    tried = runpad("tryout", loose, "--event", tmp_path / "event.json")
    assert tried.exit_code == 0, tried.output
    assert "doubling" in tried.output and "42" in tried.output

    code = "import os\ndef handler(event, ctx):\n    return sorted(k for k in os.environ if k == 'NOT_SET')\n"
    directory = script_dir(tmp_path / "scripts", "envs", code, "runtime: python\nsecrets: [NOT_SET]\n")
    refused = runpad("tryout", directory / "handler.py")  # its runpad.yaml names a secret the workspace lacks
    assert refused.exit_code == 1
    assert "secret not found in the built-in store: NOT_SET" in refused.output and "failed" in refused.output
