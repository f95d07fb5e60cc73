"""Infisical as a second source of secrets, through its official SDK (infisicalsdk): the configuration,
a connection test that names what is wrong, and fetches that give up within seconds.

What the SDK (1.0.18) sends, and so what Infisical must answer:
  POST /api/v1/auth/universal-auth/login  {clientId, clientSecret} -> {accessToken, expiresIn, ...}
  GET  /api/v3/secrets/raw?workspaceId=&environment=&secretPath=&viewSecretValue=&expandSecretReferences=
       &recursive=&include_imports=   -> {secrets: [...], imports: [{secretPath, environment, secrets}]}
  GET  /api/v3/secrets/raw/{name}?(same) -> {secret: {...}}   (only the connection test uses it)
The SDK has no timeout option and retries network errors four times with 1-8 s pauses, so a dead host
would hold a run for a minute or more. Every request therefore goes through a BoundedAdapter: connect and
read timeouts under one deadline per operation, and network errors raised as exceptions the SDK does
not retry; a watchdog covers what socket timeouts cannot (a stalled DNS lookup). See bounded_http.

Where the connection comes from: the installation's (the default, set by installation admins) or a
workspace's own, which replaces the default for that workspace's runs, catalog and picker."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken
from infisical_sdk import InfisicalSDKClient
from infisical_sdk.infisical_requests import APIError, InfisicalError as SDKError

from app.core import errors
from app.integrations.bounded_http import BoundedAdapter, NetworkError, run_within
from app.services import app_settings
from app.services.access import Access

SETTING = "infisical"
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
DEADLINE = 8.0  # one operation: a login (when no token is cached) and one listing
PROBE_NAME = "RUNPAD_CONNECTION_PROBE"
FIELDS = ("site_url", "client_id", "project_id", "environment", "secret_path")  # a connection's plain values
TOKEN_MAX_SECONDS = 3600.0


class InfisicalError(errors.Unavailable):
    """Infisical could not be reached, refused, or answered something unusable; the message says which."""


class ConfigError(errors.InvalidInput):
    """An Infisical configuration that cannot work."""


@dataclass(frozen=True)
class Config:
    site_url: str
    client_id: str
    client_secret: str
    project_id: str
    environment: str
    secret_path: str

    @property
    def where(self) -> str:
        return where_of(self.project_id, self.environment, self.secret_path)


def where_of(project_id: str, environment: str, secret_path: str) -> str:
    return f"project {project_id}, environment '{environment}', path '{secret_path}'"


# ---- configuration ----------------------------------------------------------------------------


def configure(
    site_url: str,
    client_id: str,
    project_id: str,
    environment: str,
    secret_path: str = "/",
    client_secret: str | None = None,
    by: Access | None = None,
) -> None:
    """Stores the installation's connection, or with `by` that workspace's own (its admin role is checked
    by the caller). Without client_secret the stored one of the same connection is kept.

    A workspace's connection carries its own client id and secret and never borrows the installation's:
    that identity may read projects other workspaces use, so a workspace able to point it at another
    project could read another team's secrets."""
    parts = urlsplit((site_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("the Infisical site URL must be http(s)://host, e.g. https://app.infisical.com")
    fields = {"client id": client_id, "project id": project_id, "environment slug": environment}
    empty = [label for label, value in fields.items() if not (value or "").strip()]
    if empty:
        raise ConfigError(f"the Infisical {empty[0]} is required")
    if not (secret_path or "").startswith("/"):
        raise ConfigError("the Infisical secret path must start with /")
    value = {
        "site_url": f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}",
        "client_id": client_id.strip(),
        "project_id": project_id.strip(),
        "environment": environment.strip(),
        "secret_path": secret_path.strip(),
    }
    stored, stored_secret = app_settings.get(SETTING, by.workspace_id if by else None)
    if not client_secret and not stored_secret:
        raise ConfigError("the Infisical client secret is required")
    same_identity = (stored.get("site_url"), stored.get("client_id")) == (value["site_url"], value["client_id"])
    if not client_secret and not same_identity:
        # the stored secret goes only to the host and identity it was entered for, never to a new site URL
        raise ConfigError("the Infisical client secret is required again when the site URL or client id changes")
    app_settings.put(SETTING, value, secret=client_secret or None, by=by)


def configure_from(form: dict[str, Any], by: Access | None = None) -> None:
    """configure() with a settings form's fields (FIELDS and client_secret, which empty keeps the stored one)."""
    site_url, client_id, project_id, environment, secret_path = (str(form.get(name) or "") for name in FIELDS)
    secret = str(form.get("client_secret") or "") or None
    configure(site_url, client_id, project_id, environment, secret_path or "/", secret, by=by)


def unconfigure(by: Access | None = None) -> bool:
    """Removes the installation's connection, or with `by` that workspace's own; False when there was none."""
    return app_settings.clear(SETTING, by)


def load(workspace_id: uuid.UUID | None) -> Config | None:
    """The connection a workspace's runs use: its own when it has one, else the installation's; None when
    neither is configured. With None, the installation's."""
    if workspace_id is not None:
        own = _stored(workspace_id)
        if own is not None:
            return own
    return _stored(None)


def _stored(workspace_id: uuid.UUID | None) -> Config | None:
    try:
        value, secret = app_settings.get(SETTING, workspace_id)
    except InvalidToken:  # says nothing by itself; the usual cause is a key changed without rotate-key
        raise InfisicalError(
            "the stored Infisical client secret does not decrypt with the current RUNPAD_SECRET_KEY"
        ) from None
    if not value or not secret:
        return None
    return Config(
        value["site_url"],
        value["client_id"],
        secret,
        value["project_id"],
        value["environment"],
        value.get("secret_path") or "/",
    )


def config(workspace_id: uuid.UUID | None = None) -> dict[str, Any]:
    """The installation's connection, or a workspace's own, for a page or the API: never the client
    secret, only whether one is set."""
    value, secret = app_settings.get(SETTING, workspace_id)
    return {**value, "configured": bool(value and secret), "client_secret_set": bool(secret)}


# ---- operations -------------------------------------------------------------------------------


def fetch(names: list[str], cfg: Config) -> dict[str, str]:
    """The values of those names that Infisical has; raises InfisicalError when it cannot say."""
    found = _with_client(cfg, lambda client: _merged(_listing(client, cfg, values=True)))
    hidden = sorted(n for n in names if n in found and found[n][1])
    if hidden:  # Infisical masks values the identity may see listed but not read
        raise InfisicalError(
            f"Infisical hides the value of {', '.join(hidden)} from client {cfg.client_id}: "
            "give the identity read access to secret values"
        )
    return {n: found[n][0] for n in names if n in found}


def list_names(cfg: Config) -> list[str]:
    return sorted(_with_client(cfg, lambda client: _merged(_listing(client, cfg, values=False))))


def test_connection(workspace_id: uuid.UUID | None = None) -> tuple[bool, str]:
    """(True, what was found) or (False, the exact failure), for the connection load(workspace_id) gives."""
    try:
        cfg = load(workspace_id)
        if cfg is None:
            return False, "Infisical is not configured"
        count = _with_client(cfg, lambda client: _probe(client, cfg))
    except InfisicalError as exc:
        return False, str(exc)
    return True, f"connected to Infisical at {cfg.site_url}: {count} secret(s) in {cfg.where}"


# a test module importing it by name must not make pytest collect it
test_connection.__test__ = False  # type: ignore[attr-defined]


def _listing(client: InfisicalSDKClient, cfg: Config, values: bool):
    return client.secrets.list_secrets(
        environment_slug=cfg.environment,
        secret_path=cfg.secret_path,
        project_id=cfg.project_id,
        expand_secret_references=True,
        view_secret_value=values,
        recursive=False,
        include_imports=True,
    )


def _merged(listing) -> dict[str, tuple[str, bool]]:
    """name -> (value, hidden). The folder's own secrets win over imported ones, and a later import over
    an earlier one: the order Infisical itself uses to resolve one secret by name."""
    merged: dict[str, tuple[str, bool]] = {}
    for imported in listing.imports:
        for item in imported.secrets:  # the SDK leaves imported secrets as plain dicts
            merged[item["secretKey"]] = (item.get("secretValue") or "", bool(item.get("secretValueHidden")))
    for item in listing.secrets:
        if item.type != "personal":  # a user's own override; never the shared value a run should get
            merged[item.secretKey] = (item.secretValue or "", bool(item.secretValueHidden))
    return merged


def _probe(client: InfisicalSDKClient, cfg: Config) -> int:
    count = len(_merged(_listing(client, cfg, values=False)))
    if count == 0:
        # Infisical lists an unknown environment or path as empty; asking for one name tells them apart
        try:
            client.secrets.get_secret_by_name(
                PROBE_NAME, cfg.environment, cfg.secret_path, project_id=cfg.project_id, view_secret_value=False
            )
        except APIError as exc:
            if not (exc.status_code == 404 and _message(exc).startswith("Secret with name")):
                raise
    return count


# ---- HTTP: login, timeouts, errors ------------------------------------------------------------

_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def _with_client(cfg: Config, request: Callable[[InfisicalSDKClient], Any]) -> Any:
    """Logs in (reusing a cached access token) and runs request; every failure becomes InfisicalError."""

    def operation() -> Any:
        client = _client(cfg, time.monotonic() + DEADLINE)
        try:
            cached = _login(client, cfg)
            try:
                return request(client)
            except APIError as exc:
                if not (cached and _token_refused(exc)):
                    raise
                _login(client, cfg, fresh=True)  # revoked, expired or used up: one new login, then give up
                return request(client)
        finally:
            client.api.session.close()

    try:
        return run_within(DEADLINE + 0.5, operation, f"Infisical at {cfg.site_url}")
    except NetworkError as exc:
        raise InfisicalError(str(exc)) from None
    except APIError as exc:
        raise InfisicalError(_refusal(cfg, exc)) from None
    except (SDKError, KeyError, TypeError, ValueError) as exc:
        raise InfisicalError(f"unexpected answer from Infisical at {cfg.site_url}: {exc!r}") from None


def _client(cfg: Config, deadline: float) -> InfisicalSDKClient:
    client = InfisicalSDKClient(host=cfg.site_url, cache_ttl=None)  # no cache: every run sees current values
    adapter = BoundedAdapter(f"Infisical at {cfg.site_url}", deadline, CONNECT_TIMEOUT, READ_TIMEOUT)
    # the SDK exposes no timeout setting; its requests.Session is the one place to put one
    client.api.session.mount("http://", adapter)
    client.api.session.mount("https://", adapter)
    return client


def _login(client: InfisicalSDKClient, cfg: Config, fresh: bool = False) -> bool:
    """Sets an access token on client; True when it came from the cache. Caching spares Infisical's login
    rate limit, which busy schedules would otherwise exhaust."""
    key = (cfg.site_url, cfg.client_id, hashlib.sha256(cfg.client_secret.encode()).hexdigest())
    with _tokens_lock:
        if fresh:
            _tokens.pop(key, None)
        token, until = _tokens.get(key, ("", 0.0))
    if token and until > time.monotonic():
        client.set_token(token)
        return True
    try:
        answer = client.auth.universal_auth.login(cfg.client_id, cfg.client_secret)
    except APIError as exc:
        if exc.status_code != 401:
            raise
        raise InfisicalError(
            f"bad credentials: Infisical at {cfg.site_url} refused client id {cfg.client_id} "
            f"({_message(exc)}, HTTP 401)"
        ) from None
    lifetime = min(float(answer.expiresIn) - 60, TOKEN_MAX_SECONDS) if answer.expiresIn else TOKEN_MAX_SECONDS
    if lifetime > 0:
        with _tokens_lock:
            _tokens[key] = (answer.accessToken, time.monotonic() + lifetime)
    return False


def _token_refused(exc: APIError) -> bool:
    return exc.status_code == 401 or (exc.status_code == 403 and exc.response.get("error") == "TokenError")


def _message(exc: APIError) -> str:
    message = exc.response.get("message", "")
    return message if isinstance(message, str) else json.dumps(message)[:300]


def _refusal(cfg: Config, exc: APIError) -> str:
    message, status = _message(exc), exc.status_code
    if status == 404 and message.startswith("Project"):
        return f"unknown project: Infisical has no project {cfg.project_id} ({message})"
    if status == 404 and message.startswith("Folder"):
        return (
            f"unknown environment or path: Infisical project {cfg.project_id} has no environment "
            f"'{cfg.environment}' with path '{cfg.secret_path}' ({message})"
        )
    if status == 403:
        return f"no access: Infisical refused client {cfg.client_id} access to {cfg.where} ({message})"
    return f"Infisical at {cfg.site_url} answered HTTP {status}: {message or 'no message'}"
