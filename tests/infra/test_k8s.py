"""infra/k8s: every manifest is valid against the Kubernetes OpenAPI schemas (offline, strict), and the
deployment keeps the promises infra/k8s/README.md makes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
# The minor version infra/terraform creates clusters with (variables.tf, kubernetes_version_prefix).
K8S_VERSION = "1.34"
MANIFESTS = sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def validate(resource: dict) -> None:
    """Raises kubernetes_validate.ValidationError (or SchemaNotFoundError) unless `resource` is valid.
    Strict: a misspelt or misplaced field is an error, not silently dropped by the API server."""
    kubernetes_validate.validate(resource, K8S_VERSION, strict=True)


def resources() -> dict[tuple[str, str], dict]:
    found = {}
    for path in MANIFESTS:
        for doc in documents(path):
            found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


def pod_spec(kind: str, name: str) -> dict:
    return resources()[(kind, name)]["spec"]["template"]["spec"]


def containers(kind: str, name: str) -> dict[str, dict]:
    return {c["name"]: c for c in pod_spec(kind, name)["containers"]}


def test_the_manifests_are_found():
    names = {p.relative_to(K8S).as_posix() for p in MANIFESTS}
    assert {
        "web.yaml",
        "hooks.yaml",
        "worker.yaml",
        "scheduler.yaml",
        "configmap.yaml",
        "secret.example.yaml",
        "migrate/job.yaml",
    } <= names


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.relative_to(K8S).as_posix())
def test_every_manifest_is_valid_against_the_schemas(path):
    docs = documents(path)
    assert docs, f"{path} holds no resource"
    for doc in docs:
        validate(doc)


def test_the_validator_rejects_broken_manifests():
    """Without this, a validator that accepted everything would make the test above pass."""
    good = resources()[("Deployment", "runpad-scheduler")]
    validate(good)
    wrong_type = yaml.safe_load(yaml.safe_dump(good))
    wrong_type["spec"]["replicas"] = "two"
    unknown_field = yaml.safe_load(yaml.safe_dump(good))
    unknown_field["spec"]["template"]["spec"]["containers"][0]["imagePolicy"] = "Always"  # not a field
    missing_required = yaml.safe_load(yaml.safe_dump(good))
    del missing_required["spec"]["selector"]
    for broken in (wrong_type, unknown_field, missing_required):
        with pytest.raises(kubernetes_validate.ValidationError):
            validate(broken)
    with pytest.raises((kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError)):
        validate({"apiVersion": "apps/v1", "kind": "Deploymnet", "metadata": {"name": "x"}})


def test_the_kustomization_lists_every_manifest_but_the_template_and_the_job():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    top_level = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert set(kustomization["resources"]) == top_level
    assert yaml.safe_load((K8S / "migrate" / "kustomization.yaml").read_text())["resources"] == ["job.yaml"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with its built-in kustomize) is not installed")
@pytest.mark.parametrize("directory", [K8S, K8S / "migrate"], ids=["base", "migrate"])
def test_the_rendered_kustomization_is_valid(directory):
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    assert docs
    for doc in docs:
        validate(doc)
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == "runpad"
    images = {
        c["image"] for d in docs if "template" in d.get("spec", {}) for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert not {"runpad/web", "runpad/worker"} & images, "kustomize did not replace the image placeholders"


def test_the_secret_template_holds_placeholders_only():
    secret = resources()[("Secret", "runpad-secrets")]
    assert "data" not in secret
    assert secret["stringData"] and all(v == "REPLACE_ME" for v in secret["stringData"].values())
    assert {"RUNPAD_SECRET_KEY", "RUNPAD_DATABASE_URL", "RUNPAD_REDIS_URL"} <= set(secret["stringData"])


def test_no_secret_value_is_written_into_a_pod_spec():
    """Credentials reach pods from the Secret (envFrom secretRef), never as literal env values."""
    for (kind, name), doc in resources().items():
        if "template" not in doc.get("spec", {}):
            continue
        for c in doc["spec"]["template"]["spec"]["containers"]:
            literal = {e["name"] for e in c.get("env", []) if "value" in e}
            assert (
                not {"RUNPAD_SECRET_KEY", "RUNPAD_DATABASE_URL", "RUNPAD_REDIS_URL", "RUNPAD_ADMIN_PASSWORD"} & literal
            ), (kind, name, c["name"])
    config = resources()[("ConfigMap", "runpad-config")]["data"]
    assert not {
        k
        for k in config
        if "SECRET" in k or "PASSWORD" in k or k.endswith("_URL") and k not in ("RUNPAD_PUBLIC_URL", "RUNPAD_HOOKS_URL")
    }


def test_only_the_docker_engines_are_privileged():
    for (_kind, name), doc in resources().items():
        if "template" not in doc.get("spec", {}):
            continue
        for c in doc["spec"]["template"]["spec"]["containers"]:
            privileged = c.get("securityContext", {}).get("privileged", False)
            assert privileged == (c["name"] == "dind"), (name, c["name"])


def test_web_scheduler_and_migration_run_as_non_root():
    for kind, name, container in [
        ("Deployment", "runpad-web", "web"),
        ("Deployment", "runpad-hooks", "hooks"),
        ("Deployment", "runpad-scheduler", "scheduler"),
        ("Job", "runpad-migrate", "migrate"),
    ]:
        spec = pod_spec(kind, name)
        context = {**spec.get("securityContext", {}), **containers(kind, name)[container]["securityContext"]}
        assert context["runAsNonRoot"] is True and context["runAsUser"] != 0, name
        assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True, name
        assert context["capabilities"]["drop"] == ["ALL"], name


def test_the_worker_reaches_its_own_engine_only():
    worker = containers("Deployment", "runpad-worker")
    env = {e["name"]: e for e in worker["worker"]["env"]}
    assert env["DOCKER_HOST"]["value"] == "unix:///var/run/dind/docker.sock"
    assert env["RUNPAD_WORKER_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert set(worker["worker"]["securityContext"]["capabilities"]["add"]) == {"NET_ADMIN", "NET_RAW"}
    assert "privileged" not in worker["worker"]["securityContext"]
    assert worker["dind"]["env"] == [{"name": "DOCKER_TLS_CERTDIR", "value": ""}]
    assert worker["dind"]["args"] == ["--host=unix:///var/run/dind/docker.sock"]  # no TCP listener
    volumes = {v["name"]: v for v in pod_spec("Deployment", "runpad-worker")["volumes"]}
    assert not any("hostPath" in v for v in volumes.values())


def test_the_web_pod_has_no_engine_and_no_sidecars():
    """The web process hashes with the base catalog the workers publish: no dind, proxy or DOCKER_HOST."""
    assert set(containers("Deployment", "runpad-web")) == {"web"}
    web = containers("Deployment", "runpad-web")["web"]
    assert "env" not in web and not any("dind" in m["name"] for m in web.get("volumeMounts", []))
    assert {v["name"] for v in pod_spec("Deployment", "runpad-web")["volumes"]} == {"tmp"}
    ports = resources()[("NetworkPolicy", "runpad-web-ingress")]["spec"]["ingress"]
    assert ports == [{"ports": [{"port": 3000, "protocol": "TCP"}]}]


def test_probes_and_scaling():
    web = containers("Deployment", "runpad-web")["web"]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    hpa = resources()[("HorizontalPodAutoscaler", "runpad-worker")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "runpad-worker"}
    assert 1 <= hpa["minReplicas"] < hpa["maxReplicas"]
    assert resources()[("Deployment", "runpad-scheduler")]["spec"]["replicas"] == 2
    assert containers("Job", "runpad-migrate")["migrate"]["command"] == ["alembic", "upgrade", "head"]


def test_hooks_have_their_own_origin_and_only_their_port_open():
    """Contract §3: other people's pages on a host of their own, never the IDE's."""
    config = resources()[("ConfigMap", "runpad-config")]["data"]
    assert urlsplit(config["RUNPAD_HOOKS_URL"]).netloc != urlsplit(config["RUNPAD_PUBLIC_URL"]).netloc
    hooks = containers("Deployment", "runpad-hooks")["hooks"]
    assert "app.api.hooks_app:app" in hooks["command"] and "env" not in hooks  # no engine, no DOCKER_HOST
    ingress = resources()[("Ingress", "runpad-hooks")]["spec"]["rules"][0]
    assert ingress["host"] == urlsplit(config["RUNPAD_HOOKS_URL"]).hostname
    policy = resources()[("NetworkPolicy", "runpad-hooks-ingress")]["spec"]["ingress"]
    assert policy == [{"ports": [{"port": 3001, "protocol": "TCP"}]}]
