"""A minimal npm registry (packument + tarball) serving packages the test defines. Builds cannot reach
the host, so it is served from a private test host (tests/integration/nethost.py) whose address the
test opens with RUNPAD_NETWORK_ALLOW: files in a directory, served by http.server in the namespace."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

from tests.integration import nethost


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
    def __init__(self, host, port: int = 4873):
        self.host = host  # a nethost.NetHost
        self.dir = Path(tempfile.mkdtemp(prefix="npm-registry-"))
        self.port = port
        self.url = f"http://{nethost.ADDRESS}:{port}/"

    def add(self, name: str, version: str, files: dict[str, str]) -> None:
        data = tarball(files)
        path = f"tarballs/{name}-{version}.tgz"  # apart from the packument at /name
        (self.dir / "tarballs").mkdir(exist_ok=True)
        (self.dir / path).write_bytes(data)
        manifest = json.loads(files["package.json"])
        manifest["dist"] = {
            "tarball": self.url + path,
            "shasum": hashlib.sha1(data).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
        }
        manifest["hasInstallScript"] = bool(manifest.get("scripts"))
        packument = {"name": name, "dist-tags": {"latest": version}, "versions": {version: manifest}}
        (self.dir / name).write_text(json.dumps(packument))

    def __enter__(self) -> NpmRegistry:
        self.host.start(
            sys.executable, "-m", "http.server", str(self.port), "--bind", nethost.ADDRESS, "--directory", str(self.dir)
        )
        self.host.wait_for(nethost.ADDRESS, self.port)
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
