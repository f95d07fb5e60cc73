"""runpad pull and push against the real API: the folder format round-trips, the plan says what
would change, --dry-run and --prune do what they say, and a push that cannot be carried out exits
non-zero with the reason. None of these needs a build to finish, so no worker runs here."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import yaml

# CRLF line endings, a trailing space and no final newline: the folder keeps the code byte for byte
CODE_NODE = "export default async function handler(event) {\r\n  return { hi: event.body };  \r\n}"
CODE_PY = "import os\n\ndef handler(event, ctx):\n    print('tick')\n    return {'key': 'API_KEY' in os.environ}\n"
SCRIPTS = [
    {"name": "hello", "runtime": "node", "code": CODE_NODE, "dependencies": ["dayjs@1.11.13"]},
    {
        "name": "nightly report",
        "runtime": "python",
        "code": CODE_PY,
        "secrets": ["API_KEY"],
        "trigger": {"type": "schedule", "cron": "0 3 * * *", "timezone": "Europe/Paris"},
        "timeout_seconds": 60,
        "memory_mb": 128,
        "retries": {"count": 2, "backoff_seconds": 30},
    },
    {
        "name": "hooks/with a slash",
        "runtime": "python",
        "code": "x = 1\n",
        "trigger": {"type": "http", "http_auth": "bearer"},
    },
]


def create_all(user) -> dict[str, dict]:
    made = {}
    for body in SCRIPTS:
        r = user.http.post("/scripts", json=body)
        assert r.status_code == 201, r.text
        made[body["name"]] = r.json()
    return made


def versions(user) -> dict[str, int]:
    return {s["name"]: s["version"] for s in user.http.get("/scripts").json()}


def test_pull_then_push_changes_nothing(runpad, alice, tmp_path):
    made = create_all(alice)
    folder = tmp_path / "scripts"
    pulled = runpad("pull", folder)
    assert pulled.exit_code == 0, pulled.output

    assert sorted(p.name for p in folder.iterdir()) == ["hello", "hooks-with-a-slash", "nightly report"]
    assert (folder / "hello" / "handler.js").read_bytes() == CODE_NODE.encode()  # byte for byte, CRLF kept
    assert (folder / "nightly report" / "handler.py").read_text() == CODE_PY
    nightly = yaml.safe_load((folder / "nightly report" / "runpad.yaml").read_text())
    assert nightly == {
        "runtime": "python",
        "dependencies": [],
        "secrets": ["API_KEY"],
        "trigger": {"type": "schedule", "cron": "0 3 * * *", "timezone": "Europe/Paris", "allow_overlap": False},
        "timeout_seconds": 60,
        "memory_mb": 128,
        "network": True,
        "enabled": True,
        "retries": {"count": 2, "backoff_seconds": 30},
    }
    hook = yaml.safe_load((folder / "hooks-with-a-slash" / "runpad.yaml").read_text())
    assert hook["name"] == "hooks/with a slash" and hook["trigger"] == {"type": "http", "http_auth": "bearer"}
    # the hook's bearer secret, shown once at creation, is nowhere in the folder
    secret = made["hooks/with a slash"]["hook_secret"]
    assert secret and not any(secret in p.read_text() for p in folder.rglob("*") if p.is_file())

    before = versions(alice)
    pushed = runpad("push", folder)
    assert pushed.exit_code == 0, pushed.output
    assert "3 unchanged" in pushed.output
    assert "new version" not in pushed.output and "update" not in pushed.output
    assert versions(alice) == before == dict.fromkeys(made, 1)
    for script in made.values():
        assert len(alice.http.get(f"/scripts/{script['id']}/versions").json()) == 1


def test_a_second_pull_keeps_the_folder_and_notes_scripts_gone_from_the_workspace(runpad, alice, tmp_path):
    made = create_all(alice)
    folder = tmp_path / "scripts"
    assert runpad("pull", folder).exit_code == 0
    (folder / "nightly report").rename(folder / "renamed dir")  # a directory may be named as the user likes
    text = (folder / "renamed dir" / "runpad.yaml").read_text()
    (folder / "renamed dir" / "runpad.yaml").write_text("name: nightly report\n" + text)
    assert alice.http.delete(f"/scripts/{made['hello']['id']}").status_code == 204

    again = runpad("pull", folder)
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in folder.iterdir()) == ["hello", "hooks-with-a-slash", "renamed dir"]
    assert "no script 'hello' in the workspace" in again.output
    assert (folder / "hello" / "handler.js").read_bytes() == CODE_NODE.encode()  # left as it was
    assert plan_rows(runpad("push", folder, "--dry-run").output) == {
        "hello": "create",
        "hooks/with a slash": "unchanged",
        "nightly report": "unchanged",
    }


def test_dry_run_prints_the_plan_and_changes_nothing(runpad, alice, tmp_path):
    create_all(alice)
    folder = tmp_path / "scripts"
    assert runpad("pull", folder).exit_code == 0
    (folder / "hello" / "handler.js").write_text("export default () => 2;\n")
    config = folder / "nightly report" / "runpad.yaml"
    config.write_text(config.read_text().replace("timeout_seconds: 60", "timeout_seconds: 90"))
    (folder / "fresh").mkdir()
    (folder / "fresh" / "handler.py").write_text("def handler(event, ctx):\n    return 1\n")
    (folder / "fresh" / "runpad.yaml").write_text("runtime: python\n")
    remove_dir(folder / "hooks-with-a-slash")
    before = alice.http.get("/scripts").json()

    plan = runpad("push", folder, "--dry-run", "--prune")
    assert plan.exit_code == 0, plan.output
    rows = plan_rows(plan.output)
    assert rows == {
        "fresh": "create",
        "hello": "new version",
        "nightly report": "update",
        "hooks/with a slash": "delete",
    }
    assert "dry run: nothing was changed" in plan.output
    assert alice.http.get("/scripts").json() == before


def test_without_prune_a_script_missing_from_the_folder_is_kept_and_with_it_deleted(runpad, alice, tmp_path):
    made = create_all(alice)
    folder = tmp_path / "scripts"
    assert runpad("pull", folder).exit_code == 0
    remove_dir(folder / "hello")

    kept = runpad("push", folder)
    assert kept.exit_code == 0, kept.output
    assert plan_rows(kept.output)["hello"] == "not in folder"
    assert alice.http.get(f"/scripts/{made['hello']['id']}").status_code == 200

    pruned = runpad("push", folder, "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert plan_rows(pruned.output)["hello"] == "delete"
    assert alice.http.get(f"/scripts/{made['hello']['id']}").status_code == 404
    assert sorted(versions(alice)) == ["hooks/with a slash", "nightly report"]


def test_a_folder_that_cannot_be_read_fails_the_push_and_changes_nothing(runpad, alice, tmp_path):
    create_all(alice)
    folder = tmp_path / "scripts"
    assert runpad("pull", folder).exit_code == 0
    (folder / "hello" / "handler.js").write_text("export default () => 'changed';\n")
    (folder / "nightly report" / "runpad.yaml").write_text("runtime: python\ntrigger: [not, a, mapping\n")
    (folder / "typo").mkdir()
    (folder / "typo" / "handler.py").write_text("x = 1\n")
    (folder / "typo" / "runpad.yaml").write_text("runtime: python\ndependancies: [requests]\n")
    before = alice.http.get("/scripts").json()

    failed = runpad("push", folder)
    assert failed.exit_code == 1
    assert f"{folder / 'nightly report' / 'runpad.yaml'}: not valid YAML" in failed.output
    assert "unknown key(s) dependancies" in failed.output
    assert alice.http.get("/scripts").json() == before  # hello's valid change was not pushed either


def test_a_change_the_api_refuses_fails_the_push_with_its_message(runpad, alice, tmp_path):
    create_all(alice)
    folder = tmp_path / "scripts"
    assert runpad("pull", folder).exit_code == 0
    config = folder / "nightly report" / "runpad.yaml"
    config.write_text(config.read_text().replace("timeout_seconds: 60", "timeout_seconds: 5000"))
    config = folder / "hooks-with-a-slash" / "runpad.yaml"
    config.write_text(config.read_text().replace("runtime: python", "runtime: node"))
    (folder / "hooks-with-a-slash" / "handler.py").rename(folder / "hooks-with-a-slash" / "handler.js")

    (folder / "hello" / "handler.js").write_text("export default function handler(event) {\n  return {;\n}\n")

    failed = runpad("push", folder)
    assert failed.exit_code == 1, failed.output
    assert "nightly report (update): timeout_seconds" in failed.output and "(HTTP 422)" in failed.output
    assert "hello (new version): the code does not parse: line 2" in failed.output
    assert "a runtime cannot change" in failed.output
    assert versions(alice) == {"hello": 1, "nightly report": 1, "hooks/with a slash": 1}
    assert {s["name"]: s["timeout_seconds"] for s in alice.http.get("/scripts").json()}["nightly report"] == 60


def test_the_installed_command_gates_a_ci_job_by_its_exit_status(base_url, alice, tmp_path):
    """`runpad` as pip installed it, in a subprocess, as a CI step runs it."""
    create_all(alice)
    folder = tmp_path / "scripts"
    env = {**os.environ, "RUNPAD_URL": base_url, "RUNPAD_TOKEN": alice.token, "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("RUNPAD_WORKSPACE", None)
    command = str(Path(sys.executable).parent / "runpad")
    assert subprocess.run([command, "pull", folder], env=env, capture_output=True, timeout=60).returncode == 0
    ok = subprocess.run([command, "push", "--dry-run", folder], env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "3 unchanged" in ok.stdout, ok.stdout + ok.stderr
    (folder / "hello" / "runpad.yaml").write_text("runtime: [\n")
    bad = subprocess.run([command, "push", "--dry-run", folder], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "not valid YAML" in bad.stderr
    nobody = {**env, "RUNPAD_TOKEN": "not-a-token"}
    denied = subprocess.run([command, "pull", folder], env=nobody, capture_output=True, text=True, timeout=60)
    assert denied.returncode == 1 and "HTTP 401" in denied.stderr


def test_login_stores_the_address_and_a_token_for_its_owner_only(base_url, alice, tmp_path):
    from tests.api.conftest import PASSWORD
    from tests.cli.conftest import Runpad

    config_home = tmp_path / "config"
    runpad = Runpad({"RUNPAD_URL": None, "RUNPAD_TOKEN": None, "XDG_CONFIG_HOME": str(config_home)})
    assert runpad("pull", tmp_path / "x").exit_code == 1  # not logged in yet
    logged = runpad("login", "--url", base_url, "--email", alice.email, stdin=f"{PASSWORD}\n")
    assert logged.exit_code == 0, logged.output
    assert f"as {alice.email}" in logged.output
    stored = config_home / "runpad" / "config.yaml"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert PASSWORD not in stored.read_text()
    assert yaml.safe_load(stored.read_text())["url"] == base_url
    assert runpad("pull", tmp_path / "x").exit_code == 0  # the stored token works

    wrong = runpad("login", "--url", base_url, "--email", alice.email, stdin="wrong password\n")
    assert wrong.exit_code == 1 and "HTTP 401" in wrong.output

    elsewhere = runpad("login", "--url", base_url, "--token", alice.token, "--workspace", "not-mine")
    assert elsewhere.exit_code == 1 and "not a member of a workspace 'not-mine'" in elsewhere.output
    by_token = runpad("login", "--url", base_url, "--token", alice.token)
    assert by_token.exit_code == 0 and f"as {alice.email}" in by_token.output
    assert yaml.safe_load(stored.read_text())["token"] == alice.token


def test_the_workspace_comes_from_the_option_or_runpad_workspace(runpad, alice, tmp_path):
    create_all(alice)  # in alice's personal workspace
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    assert alice.http.post("/workspaces", json={"slug": slug, "name": "CLI team"}).status_code == 201
    body = {"name": "team script", "runtime": "python", "code": "x = 2\n"}
    assert alice.http.post("/scripts", json=body, headers={"x-runpad-workspace": slug}).status_code == 201

    assert runpad("-w", slug, "pull", tmp_path / "team").exit_code == 0
    assert [p.name for p in (tmp_path / "team").iterdir()] == ["team script"]
    runpad.env["RUNPAD_WORKSPACE"] = slug
    assert plan_rows(runpad("push", tmp_path / "team", "--dry-run").output) == {"team script": "unchanged"}


def test_the_example_scripts_repository_reads_and_plans(runpad):
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "scripts-repo" / "scripts"
    planned = runpad("push", example, "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert plan_rows(planned.output) == {"hello": "create"}


def plan_rows(output: str) -> dict[str, str]:
    """script -> plan action, read from the printed plan table."""
    actions = ("create", "new version", "update", "unchanged", "delete", "not in folder", "invalid")
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) >= 2 and cells[1] in actions:
            rows[cells[0]] = cells[1]
    return rows


def remove_dir(path: Path) -> None:
    for child in path.iterdir():
        child.unlink()
    path.rmdir()
