"""infra/terraform: formatted, parseable, and the facts that matter hold — providers pinned, the log
writer's IAM policy is exactly three write actions on one log group, no credentials in the files.

`terraform validate` needs the providers, which `terraform init` downloads from the Terraform
registry; this machine and CI reach only PyPI, npm and Debian, so it runs only where that registry is
reachable and RUNPAD_TF_VALIDATE=1 asks for it. `terraform fmt -check` needs no providers and runs
wherever a terraform (or tofu) binary is on PATH. The structural checks parse the files with
python-hcl2 and always run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
TF = ROOT / "infra" / "terraform"
TF_FILES = sorted(TF.glob("*.tf"))
TERRAFORM = shutil.which("terraform") or shutil.which("tofu")
OPTIONS = hcl2.SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
LOG_GROUP_ARN = "${aws_cloudwatch_log_group.runs.arn}"


def parse(text: str) -> dict:
    return hcl2.loads(text, serialization_options=OPTIONS)


def config() -> dict:
    """All files merged: {"resource": {type: {name: body}}, "data": ..., "variable": {name: body},
    "output": ..., "terraform": [blocks], "provider": {name: body}}."""
    merged: dict = {"resource": {}, "data": {}, "variable": {}, "output": {}, "terraform": [], "provider": {}}
    for path in TF_FILES:
        parsed = parse(path.read_text())
        merged["terraform"] += parsed.get("terraform", [])
        for kind in ("resource", "data"):
            for block in parsed.get(kind, []):
                for type_, named in block.items():
                    merged[kind].setdefault(type_, {}).update(named)
        for kind in ("variable", "output", "provider"):
            for block in parsed.get(kind, []):
                merged[kind].update(block)
    return merged


def test_clusters_get_the_kubernetes_version_the_manifests_are_validated_against():
    from tests.infra.test_k8s import K8S_VERSION

    assert config()["variable"]["kubernetes_version_prefix"]["default"] == K8S_VERSION + "."


def test_the_expected_resources_exist():
    resources = config()["resource"]
    assert set(resources["digitalocean_kubernetes_cluster"]) == {"runpad"}
    assert set(resources["digitalocean_container_registry"]) == {"runpad"}
    assert set(resources["aws_cloudwatch_log_group"]) == {"runs"}
    assert {"aws_iam_policy", "aws_iam_user", "aws_iam_user_policy_attachment"} <= set(resources)
    cluster = resources["digitalocean_kubernetes_cluster"]["runpad"]
    pool = cluster["node_pool"][0] if isinstance(cluster["node_pool"], list) else cluster["node_pool"]
    assert pool["auto_scale"] is True and pool["min_nodes"] == "${var.node_min}"


def test_terraform_and_every_provider_are_pinned():
    (block,) = config()["terraform"]
    assert re.match(r">= ?\d+\.\d+", block["required_version"])
    (providers,) = block["required_providers"]
    assert set(providers) == {"digitalocean", "aws"}
    assert providers["digitalocean"]["source"] == "digitalocean/digitalocean"
    assert providers["aws"]["source"] == "hashicorp/aws"
    for name, spec in providers.items():
        # "~> X.Y" (minor updates only) or an exact version; never open-ended or missing.
        assert re.fullmatch(r"(~> ?\d+\.\d+(\.\d+)?|=? ?\d+\.\d+\.\d+)", spec["version"]), (name, spec["version"])


def test_the_log_writer_policy_is_exactly_the_write_actions_on_the_log_group():
    data = config()["data"]["aws_iam_policy_document"]["log_writer"]
    statements = data["statement"]
    assert len(statements) == 1
    (statement,) = statements
    assert statement.get("effect", "Allow") == "Allow"
    assert sorted(statement["actions"]) == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    # The group's ARN, and its streams; nothing wider, no wildcard account or group.
    assert statement["resources"] == [LOG_GROUP_ARN, LOG_GROUP_ARN + ":log-stream:*"]
    assert not {"not_actions", "not_resources"} & set(statement)

    resources = config()["resource"]
    assert resources["aws_iam_policy"]["log_writer"]["policy"] == "${data.aws_iam_policy_document.log_writer.json}"
    attachment = resources["aws_iam_user_policy_attachment"]["log_writer"]
    assert attachment == {"user": "${aws_iam_user.log_writer.name}", "policy_arn": "${aws_iam_policy.log_writer.arn}"}
    # The only policies in the configuration: nothing else grants the user anything.
    assert set(resources["aws_iam_policy"]) == {"log_writer"}
    assert not {"aws_iam_user_policy", "aws_iam_group_policy_attachment", "aws_iam_role_policy"} & set(resources)


def test_the_policy_checks_would_catch_a_wider_policy():
    """The assertions above parse real HCL: a policy with logs:* or a wildcard resource fails them."""
    wide = parse(
        'data "aws_iam_policy_document" "log_writer" {\n'
        '  statement {\n    actions   = ["logs:*"]\n    resources = ["*"]\n  }\n}\n'
    )
    statement = wide["data"][0]["aws_iam_policy_document"]["log_writer"]["statement"][0]
    assert sorted(statement["actions"]) != ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert statement["resources"] != [LOG_GROUP_ARN, LOG_GROUP_ARN + ":log-stream:*"]


SECRET_PATTERNS = {
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret key": re.compile(r"(?i)secret_?(access_?)?key\s*=\s*\"[A-Za-z0-9/+]{30,}\""),
    "DigitalOcean token": re.compile(r"\bdo[opr]_v1_[0-9a-f]{20,}"),
    "credential attribute with a literal": re.compile(
        r"(?im)^\s*(token|password|access_key|secret_key|api_key)\s*=\s*\"[^\"$]+\""
    ),
}


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: p.name)
def test_no_credentials_are_written_in_the_files(path):
    text = path.read_text()
    for what, pattern in SECRET_PATTERNS.items():
        assert not pattern.search(text), f"{path.name}: looks like a hard-coded {what}"


def test_the_secret_patterns_do_match_credentials():
    assert SECRET_PATTERNS["AWS access key id"].search('access_key = "AKIAABCDEFGHIJKLMNOP"')
    assert SECRET_PATTERNS["DigitalOcean token"].search('token = "dop_v1_' + "ab12" * 16 + '"')
    assert SECRET_PATTERNS["credential attribute with a literal"].search('  token = "hunter2"')
    assert not SECRET_PATTERNS["credential attribute with a literal"].search("  token = var.do_token")


def test_providers_take_credentials_from_the_environment():
    providers = config()["provider"]
    assert providers["digitalocean"] == {}
    assert set(providers["aws"]) <= {"region", "default_tags"}


def test_variables_are_typed_and_described_and_secret_outputs_are_sensitive():
    for name, body in config()["variable"].items():
        assert body.get("type") and body.get("description"), name
    outputs = config()["output"]
    for name in ("kubeconfig", "registry_docker_config", "log_writer_secret_access_key"):
        assert outputs[name].get("sensitive") is True, name
    for name, body in outputs.items():
        if re.search(r"secret|kube_config|docker_credentials", body["value"]):
            assert body.get("sensitive") is True, name


@pytest.mark.skipif(TERRAFORM is None, reason="no terraform or tofu binary on PATH")
def test_terraform_fmt_finds_nothing_to_change():
    result = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-diff", "-recursive", str(TF)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(TERRAFORM is None, reason="no terraform or tofu binary on PATH")
def test_terraform_fmt_does_reject_badly_formatted_files(tmp_path):
    (tmp_path / "bad.tf").write_text('variable "x" {\ntype=string\n    default =   "y"\n}\n')
    result = subprocess.run([TERRAFORM, "fmt", "-check", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0


@pytest.mark.skipif(
    TERRAFORM is None or os.environ.get("RUNPAD_TF_VALIDATE") != "1",
    reason="needs the Terraform registry for the providers; set RUNPAD_TF_VALIDATE=1 where it is reachable",
)
def test_terraform_validate(tmp_path):
    work = tmp_path / "terraform"
    shutil.copytree(TF, work, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    env = {**os.environ, "TF_IN_AUTOMATION": "1"}
    subprocess.run(
        [TERRAFORM, "init", "-backend=false", "-input=false", "-no-color"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = subprocess.run(
        [TERRAFORM, "validate", "-no-color"], cwd=work, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
