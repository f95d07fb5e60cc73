"""Shared by the secret tests: the identity and project the local Infisical knows, and how to point Runpad at it."""

from __future__ import annotations

import hashlib

from app.integrations import infisical

CLIENT_ID = "3f1e0c1a-5b7d-4c2e-9a41-6a7f0d2b8c11"
CLIENT_SECRET = "6b1d0c4e2f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"
PROJECT = "0c8e3d9a-1f2b-4e5d-8c7b-9a6f5e4d3c2b"
ENV = "prod"

# A handler that proves which value it got without printing it (a printed value would be masked)
PY_DIGESTS = """import hashlib, os
def handler(event, ctx):
    return {n: hashlib.sha256(os.environ[n].encode()).hexdigest() for n in event["body"]}
"""


def use_infisical(
    url: str, client_secret: str = CLIENT_SECRET, project: str = PROJECT, env: str = ENV, path: str = "/"
) -> None:
    infisical.configure(url, CLIENT_ID, project, env, path, client_secret=client_secret)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
