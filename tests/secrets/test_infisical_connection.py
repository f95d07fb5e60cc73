"""Infisical configuration and the connection test, against a local Infisical driven by the real SDK."""

from __future__ import annotations

import json
import socket
import time

import pytest

from app.core.db import session
from app.integrations import infisical
from app.models import AppSetting
from app.services import secrets
from tests.integration.infisical_server import SilentServer, closed_port_url
from tests.secrets.support import CLIENT_ID, CLIENT_SECRET, ENV, PROJECT, use_infisical
from tests.support.actors import acting


def test_connection_reports_what_it_found(fake):
    fake.add_secret(PROJECT, ENV, "/", "API_KEY", "k-1")
    fake.add_secret(PROJECT, ENV, "/", "DB_PASSWORD", "p-1")
    use_infisical(fake.url)
    ok, message = infisical.test_connection()
    assert ok, message
    assert message == (
        f"connected to Infisical at {fake.url}: 2 secret(s) in project {PROJECT}, environment '{ENV}', path '/'"
    )


def test_connection_names_bad_credentials(fake):
    use_infisical(fake.url, client_secret="not-the-secret")
    ok, message = infisical.test_connection()
    assert not ok
    assert message.startswith("bad credentials:") and "Invalid credentials, HTTP 401" in message


def test_connection_names_an_unknown_project(fake):
    use_infisical(fake.url, project="no-such-project")
    assert infisical.test_connection() == (
        False,
        "unknown project: Infisical has no project no-such-project (Project with no-such-project not found)",
    )


def test_connection_names_an_unknown_environment(fake):
    use_infisical(fake.url, env="staging")
    ok, message = infisical.test_connection()
    assert not ok
    assert message.startswith("unknown environment or path:") and "environment 'staging'" in message


def test_connection_names_an_unknown_path(fake):
    fake.add_secret(PROJECT, ENV, "/", "API_KEY", "k-1")
    use_infisical(fake.url, path="/payments")
    ok, message = infisical.test_connection()
    assert not ok
    assert "unknown environment or path" in message and "path '/payments'" in message


def test_an_empty_folder_is_not_an_error(fake):
    use_infisical(fake.url)
    assert infisical.test_connection()[0]


def test_connection_names_an_unreachable_host():
    url = closed_port_url()
    use_infisical(url)
    started = time.monotonic()
    ok, message = infisical.test_connection()
    assert not ok and message == f"unreachable: cannot reach Infisical at {url} (Connection refused)"
    assert time.monotonic() - started < 2


def test_connection_names_a_timeout():
    with SilentServer() as silent:
        use_infisical(silent.url)
        started = time.monotonic()
        ok, message = infisical.test_connection()
        elapsed = time.monotonic() - started
    assert not ok and message == f"timeout: Infisical at {silent.url} did not answer within 5 s"
    assert 4.5 < elapsed < infisical.DEADLINE + 1


def test_connection_names_a_connect_timeout():
    with SilentServer(accept_connections=False) as dropping:
        use_infisical(dropping.url)
        started = time.monotonic()
        ok, message = infisical.test_connection()
        elapsed = time.monotonic() - started
    assert not ok and message == f"timeout: could not connect to Infisical at {dropping.url} within 3 s"
    assert 2.5 < elapsed < infisical.DEADLINE + 1


def test_a_stalled_name_lookup_is_cut_off_at_the_deadline(monkeypatch):
    real_getaddrinfo = socket.getaddrinfo

    def stalled(host, *args, **kwargs):  # a resolver that does not answer; socket timeouts do not cover it
        if host == "stalled-dns.example":
            time.sleep(10)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    monkeypatch.setattr(infisical, "DEADLINE", 1.5)
    use_infisical("https://stalled-dns.example")
    started = time.monotonic()
    assert infisical.test_connection() == (
        False,
        "timeout: no answer from Infisical at https://stalled-dns.example within 2 s",
    )
    assert time.monotonic() - started < 2.5


def test_connection_without_configuration():
    assert infisical.test_connection() == (False, "Infisical is not configured")
    assert infisical.config() == {"configured": False, "client_secret_set": False}


def test_config_never_returns_the_client_secret_and_stores_it_encrypted(fake):
    with pytest.raises(infisical.ConfigError, match="client secret is required"):
        infisical.configure(fake.url, "id", PROJECT, ENV)
    use_infisical(fake.url + "/")
    shown = infisical.config()
    assert shown == {
        "configured": True,
        "client_secret_set": True,
        "site_url": fake.url,
        "client_id": CLIENT_ID,
        "project_id": PROJECT,
        "environment": ENV,
        "secret_path": "/",
    }
    with session() as s:
        row = s.get(AppSetting, infisical.SETTING)
    assert CLIENT_SECRET not in json.dumps(row.value) and CLIENT_SECRET.encode() not in row.secret
    # saving again without a secret keeps the stored one
    infisical.configure(fake.url, CLIENT_ID, PROJECT, ENV, "/")
    assert infisical.test_connection()[0]


@pytest.mark.parametrize(
    "args, complaint",
    [
        (("ftp://x", "id", "p", "e"), "site URL"),
        (("https://x", "", "p", "e"), "client id"),
        (("https://x", "id", "p", " "), "environment slug"),
        (("https://x", "id", "p", "e", "payments"), "start with /"),
    ],
)
def test_bad_configuration_is_refused(args, complaint):
    with pytest.raises(infisical.ConfigError, match=complaint):
        infisical.configure(*args, client_secret="s")


def test_list_all_shows_both_providers_the_store_first(fake):
    secrets.put(acting(), "RUNPAD_LIST_CLASH", "from-store")
    fake.add_secret(PROJECT, ENV, "/", "RUNPAD_LIST_CLASH", "from-infisical")
    fake.add_secret(PROJECT, ENV, "/", "RUNPAD_LIST_REMOTE", "r")
    fake.add_secret(PROJECT, ENV, "/", "not-an-env-name", "r")
    use_infisical(fake.url)
    try:
        rows = [row for row in secrets.list_all(acting()) if row[0].startswith("RUNPAD_LIST_")]
        assert rows == [
            ("RUNPAD_LIST_CLASH", "store"),
            ("RUNPAD_LIST_CLASH", "infisical"),
            ("RUNPAD_LIST_REMOTE", "infisical"),
        ]
        assert "not-an-env-name" not in {name for name, _ in secrets.list_all(acting())}
    finally:
        secrets.remove(acting(), "RUNPAD_LIST_CLASH")


def test_list_all_names_infisical_when_it_fails():
    use_infisical(closed_port_url())
    with pytest.raises(secrets.ProviderError, match="could not list the secrets in Infisical: unreachable"):
        secrets.list_all(acting())


def test_a_cached_token_is_reused_and_replaced_once_revoked(fake):
    fake.add_secret(PROJECT, ENV, "/", "API_KEY", "k-1")
    use_infisical(fake.url)
    assert infisical.fetch(["API_KEY"], infisical.load(None)) == {"API_KEY": "k-1"}
    assert infisical.fetch(["API_KEY"], infisical.load(None)) == {"API_KEY": "k-1"}
    assert fake.count("POST", "/api/v1/auth/universal-auth/login") == 1
    fake.revoke_tokens()
    assert infisical.fetch(["API_KEY"], infisical.load(None)) == {"API_KEY": "k-1"}
    assert fake.count("POST", "/api/v1/auth/universal-auth/login") == 2


def test_own_secrets_beat_imports_and_later_imports_beat_earlier(fake):
    fake.add_secret(PROJECT, ENV, "/", "OWN", "own")
    fake.add_secret(PROJECT, ENV, "/shared-a", "OWN", "import-a")
    fake.add_secret(PROJECT, ENV, "/shared-a", "BOTH", "import-a")
    fake.add_secret(PROJECT, ENV, "/shared-a", "ONLY_A", "a")
    fake.add_secret(PROJECT, "dev", "/shared-b", "BOTH", "import-b")
    fake.add_import(PROJECT, ENV, "/", ENV, "/shared-a")
    fake.add_import(PROJECT, ENV, "/", "dev", "/shared-b")
    use_infisical(fake.url)
    assert infisical.fetch(["OWN", "BOTH", "ONLY_A", "MISSING"], infisical.load(None)) == {
        "OWN": "own",
        "BOTH": "import-b",
        "ONLY_A": "a",
    }


def test_a_value_infisical_hides_from_the_identity_is_an_error_not_a_mask(fake):
    fake.add_secret(PROJECT, ENV, "/", "API_KEY", "k-1")
    fake.unreadable.add("API_KEY")
    use_infisical(fake.url)
    with pytest.raises(infisical.InfisicalError, match="Infisical hides the value of API_KEY from client"):
        infisical.fetch(["API_KEY"], infisical.load(None))
