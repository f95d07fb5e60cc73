"""One Docker SDK client per process, sized for the worker's threads."""

from __future__ import annotations

import threading

import docker

_client: docker.DockerClient | None = None
_lock = threading.Lock()


def client() -> docker.DockerClient:
    global _client
    with _lock:
        if _client is None:
            _client = docker.DockerClient.from_env(max_pool_size=64, timeout=120)
        return _client
