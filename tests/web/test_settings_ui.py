"""What the Settings page, the Secrets page and the pickers do, through the functions their event
handlers call: saving each settings section with its validation, listing secrets with their sources
(also while Infisical is down), storing a secret without keeping its value, and editing the draft's
dependency and secret lists."""

from __future__ import annotations

import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.integrations import cloudwatch, infisical, registry_probe
from app.services import app_settings, defaults, log_retention, secrets, users
from app.services.dependencies import MAX_DEPENDENCIES, DependencyError
from app.views.secret_catalog import catalog
from state.deps import with_spec, without_spec
from state.secret_picker import toggled
from state.secrets import listed, save_secret
from state.settings import save_cloudwatch, save_infisical, save_limits, save_retention, snapshot
from tests.integration.infisical_server import FakeInfisical
from tests.secrets.support import CLIENT_ID, CLIENT_SECRET, ENV, PROJECT
from tests.support.actors import acting

INFISICAL_FORM = {"client_id": CLIENT_ID, "project_id": PROJECT, "environment": ENV, "secret_path": "/"}


@pytest.fixture(autouse=True)
def clean_settings():
    yield
    for key in (defaults.KEY, log_retention.KEY, infisical.SETTING, cloudwatch.KEY):
        app_settings.clear(key)
    for name in secrets.names(acting().workspace_id):
        secrets.remove(acting(), name)


@pytest.fixture
def fake_infisical():
    with FakeInfisical() as api:
        api.add_identity(CLIENT_ID, CLIENT_SECRET)
        api.add_folder(PROJECT, ENV, "/")
        yield api


def dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


# ---- default limits and retention -------------------------------------------------------------


def test_limits_saved_from_the_form():
    chosen = save_limits({"timeout_seconds": "45", "memory_mb": " 512 "})  # switch off: the form omits it
    assert defaults.limits() == chosen == defaults.Limits(45, 512, False)
    assert save_limits({"timeout_seconds": "30", "memory_mb": "256", "network": "on"}).network is True
    assert snapshot()["limits"] == {"timeout_seconds": 30, "memory_mb": 256, "network": True}


@pytest.mark.parametrize(
    "form,words",
    [
        ({"timeout_seconds": "0", "memory_mb": "256"}, "timeout must be a whole number from 1 to 900"),
        ({"timeout_seconds": "30", "memory_mb": "8192"}, "memory must be a whole number from 64 to 4096"),
        ({"timeout_seconds": "1.5", "memory_mb": "256"}, "default timeout must be a whole number"),
        ({"timeout_seconds": "", "memory_mb": "256"}, "default timeout must be a whole number"),
        ({"timeout_seconds": "30"}, "default memory must be a whole number"),
    ],
)
def test_bad_limits_are_refused_and_nothing_changes(form, words):
    save_limits({"timeout_seconds": "60", "memory_mb": "128", "network": "on"})
    with pytest.raises(ValueError, match=words):
        save_limits(form)
    assert defaults.limits() == defaults.Limits(60, 128, True)


def test_retention_days():
    assert save_retention({"retention_days": "7"}) == 7 and log_retention.retention_days() == 7
    for bad in ("0", "99999", "x", ""):
        with pytest.raises(ValueError):
            save_retention({"retention_days": bad})
    assert log_retention.retention_days() == 7


# ---- Infisical and CloudWatch: credentials are write-only -------------------------------------


def test_infisical_needs_a_secret_then_keeps_it(fake_infisical):
    with pytest.raises(infisical.ConfigError, match="client secret is required"):
        save_infisical({**INFISICAL_FORM, "site_url": fake_infisical.url, "client_secret": ""})
    save_infisical({**INFISICAL_FORM, "site_url": fake_infisical.url, "client_secret": CLIENT_SECRET})
    save_infisical({**INFISICAL_FORM, "site_url": fake_infisical.url + "/", "client_secret": ""})  # kept
    shown = snapshot()["infisical"]
    assert shown["configured"] and shown["client_secret_set"] and shown["site_url"] == fake_infisical.url
    assert CLIENT_SECRET not in repr(snapshot())
    ok, message = infisical.test_connection()
    assert ok, message


def test_infisical_form_errors_name_the_field():
    with pytest.raises(infisical.ConfigError, match="site URL must be http"):
        save_infisical({**INFISICAL_FORM, "site_url": "javascript:alert(1)", "client_secret": "x"})
    with pytest.raises(infisical.ConfigError, match="project id is required"):
        save_infisical({**INFISICAL_FORM, "project_id": " ", "site_url": "https://x.example", "client_secret": "x"})


def test_cloudwatch_secret_is_write_only():
    with pytest.raises(cloudwatch.ConfigError, match="not an AWS region"):
        save_cloudwatch({"region": "nowhere", "log_group": "/runpad"})
    save_cloudwatch(
        {
            "region": "eu-west-1",
            "log_group": "/runpad",
            "access_key_id": "AKIAEXAMPLE",
            "secret_access_key": "very-secret-key",
        }
    )
    save_cloudwatch(
        {"region": "eu-west-1", "log_group": "/runpad/runs", "access_key_id": "AKIAEXAMPLE", "secret_access_key": ""}
    )  # the same key id without a secret keeps the stored one
    shown = snapshot()["cloudwatch"]
    assert shown["log_group"] == "/runpad/runs" and shown["has_secret_access_key"] is True
    assert "very-secret-key" not in repr(snapshot())
    assert cloudwatch.target().secret_access_key == "very-secret-key"


def test_only_admins_count_as_admins():
    admin = users.create(f"a-{uuid.uuid4().hex[:8]}@example.com", "password-123", is_admin=True)
    member = users.create(f"m-{uuid.uuid4().hex[:8]}@example.com", "password-123")
    assert users.is_admin(admin.id) and not users.is_admin(member.id) and not users.is_admin(uuid.uuid4())


# ---- secrets: listing with sources, saving ---------------------------------------------------


def test_listing_without_infisical():
    save_secret(acting(), " API_KEY ", "v1")
    found = catalog(acting())
    assert found.infisical == "off" and found.infisical_error == ""
    (row,) = listed(found)
    assert row["name"] == "API_KEY" and row["sources"] == "store" and row["updated"].endswith("UTC")


def test_listing_merges_sources(fake_infisical):
    fake_infisical.add_secret(PROJECT, ENV, "/", "SHARED", "remote")
    fake_infisical.add_secret(PROJECT, ENV, "/", "REMOTE_ONLY", "remote")
    fake_infisical.add_secret(PROJECT, ENV, "/", "not-an-env-name", "x")
    save_infisical({**INFISICAL_FORM, "site_url": fake_infisical.url, "client_secret": CLIENT_SECRET})
    save_secret(acting(), "SHARED", "local")
    rows = {r["name"]: r for r in listed(catalog(acting()))}
    assert {n: r["sources"] for n, r in rows.items()} == {"REMOTE_ONLY": "infisical", "SHARED": "store infisical"}
    assert rows["REMOTE_ONLY"]["updated"] == "" and rows["REMOTE_ONLY"]["in_store"] == ""


def test_listing_keeps_store_names_when_infisical_is_down(fake_infisical):
    save_infisical({**INFISICAL_FORM, "site_url": dead_url(), "client_secret": CLIENT_SECRET})
    save_secret(acting(), "LOCAL", "v")
    found = catalog(acting())
    assert found.infisical == "down"
    assert "unreachable" in found.infisical_error and "Connection refused" in found.infisical_error
    assert [e.name for e in found.entries] == ["LOCAL"]
    with pytest.raises(secrets.ProviderError):  # what the REST API does instead: fail the whole listing
        secrets.list_all(acting())


def test_saving_a_secret_stores_the_value_and_lists_only_names():
    assert save_secret(acting(), "TOKEN", "s3cr3t-value") == "TOKEN"
    save_secret(acting(), "TOKEN", "replaced-value")
    assert secrets.resolve(acting().workspace_id, ["TOKEN"]) == {"TOKEN": "replaced-value"}
    assert "replaced-value" not in repr(listed(catalog(acting())))


@pytest.mark.parametrize(
    "name,value,words",
    [
        ("", "v", "type a name"),
        ("1ABC", "v", "invalid secret name"),
        ("A-B", "v", "invalid secret name"),
        ("OK_NAME", "", "non-empty"),
    ],
)
def test_bad_secrets_are_refused(name, value, words):
    with pytest.raises(secrets.SecretError, match=words):
        save_secret(acting(), name, value)
    assert secrets.names(acting().workspace_id) == []


# ---- the pickers' list edits ------------------------------------------------------------------


def test_adding_a_package_again_replaces_its_version():
    deps = with_spec("node", [], "lodash@4.17.21")
    deps = with_spec("node", deps, "dayjs@^1.11")
    deps = with_spec("node", deps, "lodash@^4.18.0")
    assert deps == ["dayjs@^1.11", "lodash@^4.18.0"]
    assert with_spec("python", ["requests==2.31.0"], "Requests[socks]>=2.32") == ["requests[socks]>=2.32"]
    assert without_spec("node", deps, "dayjs@^1.11") == ["lodash@^4.18.0"]


def test_the_dependency_limit_holds():
    deps = [f"pkg{i}@1.0.0" for i in range(MAX_DEPENDENCIES)]
    with pytest.raises(DependencyError, match="at most"):
        with_spec("node", deps, "one-more@1.0.0")
    assert with_spec("node", deps, "pkg0@2.0.0")[0] == "pkg0@2.0.0"  # a replacement still fits


def test_secret_toggle():
    assert toggled(["B"], "A", True) == ["A", "B"]
    assert toggled(["A", "B"], "A", True) == ["A", "B"]
    assert toggled(["A", "B"], "A", False) == ["B"]


# ---- the image registry check -----------------------------------------------------------------


def test_registry_check():
    class V2(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(401 if self.path == "/v2/" else 404)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), V2)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        ok, message = registry_probe.check(f"127.0.0.1:{server.server_address[1]}")
        assert ok and "HTTP 401" in message
    finally:
        server.shutdown()
        server.server_close()
    ok, message = registry_probe.check(dead_url().removeprefix("http://"))
    assert not ok and "no answer" in message
    assert registry_probe.check("") == (False, "not set: each worker builds dependency images for itself")
