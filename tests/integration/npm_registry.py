"""A minimal npm registry (packument + tarball) serving packages the test defines, on a host port that
dependency builds reach through Docker's default bridge."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def tarball(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class NpmRegistry:
    def __init__(self, host_ip: str):
        self.host_ip = host_ip
        self.packages: dict[str, dict] = {}
        self.tarballs: dict[str, bytes] = {}
        self.server = ThreadingHTTPServer(("0.0.0.0", 0), self._handler())
        self.url = f"http://{host_ip}:{self.server.server_address[1]}/"

    def add(self, name: str, version: str, files: dict[str, str]) -> None:
        data = tarball(files)
        path = f"{name}/-/{name}-{version}.tgz"
        self.tarballs["/" + path] = data
        manifest = json.loads(files["package.json"])
        manifest["dist"] = {"tarball": self.url + path, "shasum": hashlib.sha1(data).hexdigest(),
                            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()}
        manifest["hasInstallScript"] = bool(manifest.get("scripts"))
        self.packages["/" + name] = {"name": name, "dist-tags": {"latest": version}, "versions": {version: manifest}}

    def _handler(self):
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path in registry.packages:
                    body, kind = json.dumps(registry.packages[self.path]).encode(), "application/json"
                elif self.path in registry.tarballs:
                    body, kind = registry.tarballs[self.path], "application/octet-stream"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self) -> "NpmRegistry":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
