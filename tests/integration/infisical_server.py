"""A local stand-in for the part of Infisical's API that infisicalsdk calls: universal-auth login, list raw
secrets, get one raw secret. Paths, query parameters, JSON shapes, statuses and error messages follow
Infisical's backend (identity-ua-service login, the v3 raw secret routes, secret-v2-bridge getSecrets /
getSecretByName, permission-service, error-handler), so the real SDK is what the tests drive."""

from __future__ import annotations

import json
import secrets as pysecrets
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

HIDDEN = "<hidden-by-infisical>"
STAMP = "2026-01-01T00:00:00.000Z"


class FakeInfisical:
    def __init__(self) -> None:
        self.identities: dict[str, str] = {}  # client id -> client secret
        self.folders: dict[tuple[str, str, str], dict[str, str]] = {}  # (project, env, path) -> {name: value}
        self.imports: dict[tuple[str, str, str], list[tuple[str, str]]] = {}  # folder -> [(env, path)], in order
        self.tokens: set[str] = set()
        self.unreadable: set[str] = set()  # names the identity may list but not read (no read-value permission)
        self.requests: list[tuple[str, str]] = []  # (method, path) as received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeInfisical:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_identity(self, client_id: str, client_secret: str) -> None:
        self.identities[client_id] = client_secret

    def add_folder(self, project: str, env: str, path: str = "/") -> dict[str, str]:
        self.folders.setdefault((project, env, "/"), {})
        return self.folders.setdefault((project, env, path), {})

    def add_secret(self, project: str, env: str, path: str, name: str, value: str) -> None:
        self.add_folder(project, env, path)[name] = value

    def add_import(self, project: str, env: str, path: str, from_env: str, from_path: str) -> None:
        self.imports.setdefault((project, env, path), []).append((from_env, from_path))

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p == path)

    # ---- API -----------------------------------------------------------------------------------

    def login(self, body: dict) -> tuple[int, dict]:
        client_id, client_secret = body.get("clientId"), body.get("clientSecret")
        if client_id not in self.identities or self.identities[client_id] != client_secret:
            return _error(401, "Invalid credentials", "UnauthorizedError")
        token = pysecrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {"accessToken": token, "expiresIn": 7200, "accessTokenMaxTTL": 2592000, "tokenType": "Bearer"}

    def list_secrets(self, query: dict) -> tuple[int, dict]:
        project, env, path, view = self._scope(query)
        if not any(key[0] == project for key in self.folders):
            return _error(404, f"Project with {project} not found", "NotFoundError")
        if (project, env, path) not in self.folders:
            return 200, {"secrets": [], "imports": []}  # Infisical lists a missing environment or folder as empty
        own = [
            _secret(project, env, path, k, v, view and k not in self.unreadable)
            for k, v in sorted(self.folders[project, env, path].items())
        ]
        imports = [
            {
                "secretPath": p,
                "environment": e,
                "folderId": str(uuid.uuid4()),
                "secrets": [
                    _secret(project, e, p, k, v, view, imported=True)
                    for k, v in sorted(self.folders.get((project, e, p), {}).items())
                ],
            }
            for e, p in self.imports.get((project, env, path), [])
        ]
        return 200, {"secrets": own, "imports": imports}

    def get_secret(self, name: str, query: dict) -> tuple[int, dict]:
        project, env, path, view = self._scope(query)
        if not any(key[0] == project for key in self.folders):
            return _error(404, f"Project with {project} not found", "NotFoundError")
        if (project, env, path) not in self.folders:
            return _error(
                404, f"Folder with path '{path}' in environment with slug '{env}' not found", "GetSecretByName"
            )
        sources = [(env, path)] + list(reversed(self.imports.get((project, env, path), [])))
        for e, p in sources:  # the folder's own secret, then imports from the last one back
            if name in self.folders.get((project, e, p), {}):
                return 200, {"secret": _secret(project, e, p, name, self.folders[project, e, p][name], view)}
        return _error(404, f"Secret with name '{name}' not found", "NotFoundError")

    @staticmethod
    def _scope(query: dict) -> tuple[str, str, str, bool]:
        path = query.get("secretPath", "/")
        path = path.rstrip("/") or "/"
        return query.get("workspaceId", ""), query.get("environment", ""), path, query.get("viewSecretValue") != "false"


def _secret(project: str, env: str, path: str, name: str, value: str, view: bool, imported: bool = False) -> dict:
    doc = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{project}/{env}{path}/{name}")),
        "workspace": project,
        "environment": env,
        "version": 1,
        "type": "shared",
        "secretKey": name,
        "secretValue": value if view else HIDDEN,
        "secretValueHidden": not view,
        "secretComment": "",
        "secretReminderNote": None,
        "secretReminderRepeatDays": None,
        "skipMultilineEncoding": False,
        "secretMetadata": [],
        "tags": [],
        "secretPath": path,
    }
    doc["_id"] = doc["id"]
    if not imported:  # Infisical's schema for imported secrets omits the dates
        doc.update(createdAt=STAMP, updatedAt=STAMP)
    return doc


def _error(status: int, message: str, name: str) -> tuple[int, dict]:
    return status, {"reqId": f"req-{uuid.uuid4().hex[:12]}", "statusCode": status, "message": message, "error": name}


def _handler(api: FakeInfisical):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            url = urlsplit(self.path)
            api.requests.append(("POST", url.path))
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
            if url.path == "/api/v1/auth/universal-auth/login":
                self._answer(*api.login(body))
            else:
                self._answer(*_error(404, f"Route POST:{url.path} not found", "Not Found"))

        def do_GET(self):
            url = urlsplit(self.path)
            api.requests.append(("GET", url.path))
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            token = self.headers.get("authorization", "").removeprefix("Bearer ")
            if token not in api.tokens:
                self._answer(
                    *_error(
                        401, "Failed to authorize revoked access token, access token is revoked", "UnauthorizedError"
                    )
                )
            elif url.path == "/api/v3/secrets/raw":
                self._answer(*api.list_secrets(query))
            elif url.path.startswith("/api/v3/secrets/raw/"):
                self._answer(*api.get_secret(unquote(url.path.rsplit("/", 1)[1]), query))
            else:
                self._answer(*_error(404, f"Route GET:{url.path} not found", "Not Found"))

        def _answer(self, status: int, doc: dict) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


class SilentServer:
    """A host that never answers. By default the kernel completes TCP handshakes from the listen backlog
    and requests then wait forever (a hung server); with accept_connections=False the backlog is kept
    full, so connection attempts themselves get no answer (a host dropping packets)."""

    def __init__(self, accept_connections: bool = True):
        self.accept_connections = accept_connections
        self.fillers: list[socket.socket] = []

    def __enter__(self) -> SilentServer:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64 if self.accept_connections else 0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        while not self.accept_connections and len(self.fillers) < 3:  # more than a zero backlog holds
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(self.sock.getsockname())
            self.fillers.append(filler)
        time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        for filler in self.fillers:
            filler.close()
        self.sock.close()


def closed_port_url() -> str:
    """An address where nothing listens, so a connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
