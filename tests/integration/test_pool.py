"""The warm pool: pre-started single-use containers, bounded, shrinking when idle."""

import json
import time

import pytest

from app.core.settings import settings
from tests.integration.helpers import tryout
from workers.runtime import containers, images, supervisor
from workers.runtime.docker_client import client
from workers.runtime.pool import PoolKey, WarmPool

pytestmark = pytest.mark.usefixtures("docker_ready")


class Lines:
    """A log writer keeping the raw output (supervisor.LogWriter)."""

    def __init__(self):
        self.chunks: list[tuple[str, bytes]] = []

    def output(self, stream: str) -> "Lines.Stream":
        return Lines.Stream(self, stream)

    class Stream:
        def __init__(self, lines: "Lines", stream: str):
            self.lines, self.stream = lines, stream

        def feed(self, data: bytes) -> None:
            self.lines.chunks.append((self.stream, data))

        def finish(self) -> None:
            pass


@pytest.fixture
def key():
    tryout("node", "export default () => 1;")  # makes sure the no-dependency image exists
    from app.services import dependencies

    ref = images.dependency_image_ref(images.local_base("node").deps_hash(dependencies.normalise("node", [])))
    return PoolKey(ref, "node", containers.Limits(128, False))


def wait_until(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)


def run_once(pool, key, body):
    att, warm = pool.take(key, {containers.LABEL_RUN: "pool-test"})
    try:
        payload = json.dumps(
            {"code": "export default (e) => e;", "event": body, "ctx": {}, "secrets": {}, "nonce": "N0NCE"}
        ).encode()
        out = supervisor.supervise(att, payload, "N0NCE", Lines(), 10, lambda: False, 128)
    finally:
        containers.remove(att.container_id)
    return out, warm, att.container_id


def test_pool_serves_warm_single_use_containers_and_stays_bounded(key):
    pool = WarmPool(per_image=2, max_total=3, idle_seconds=3600)
    try:
        first, warm, cid1 = run_once(pool, key, 1)
        assert first.result == 1 and warm is False  # nothing was warm yet; now it fills up
        wait_until(lambda: pool.size() == 2)
        ids = set()
        for i in range(3):
            out, warm, cid = run_once(pool, key, i)
            assert out.result == i and warm is True
            ids.add(cid)
            wait_until(lambda: pool.size() == 2)
        assert len(ids | {cid1}) == 4  # never the same container twice
        other = PoolKey(key.image, key.runtime, containers.Limits(256, False))
        run_once(pool, other, 0)
        wait_until(lambda: pool.size() == 3)
        time.sleep(1)
        assert pool.size() == 3  # max_total holds across images
        assert pool.hits == 3 and pool.misses == 2
    finally:
        pool.close()
    assert (
        client().api.containers(
            all=True,
            filters={
                "label": [
                    containers.LABEL_POOL,
                    f"{containers.LABEL_INSTANCE}={settings.instance}",
                    f"{containers.LABEL_WORKER}={settings.worker_name}",
                ]
            },
        )
        == []
    )


def test_pool_shrinks_when_idle_and_replaces_dead_containers(key):
    pool = WarmPool(per_image=1, max_total=4, idle_seconds=1)
    try:
        run_once(pool, key, 0)
        wait_until(lambda: pool.size() == 1)
        (waiting,) = [a for q in pool._ready.values() for a in q]
        containers.kill(waiting.container_id)  # dies while waiting (e.g. dockerd restarted)
        out, warm, _ = run_once(pool, key, 7)
        assert out.result == 7 and warm is False
        wait_until(lambda: pool.size() == 1)
        time.sleep(1.5)
        assert pool.shrink() == 1 and pool.size() == 0
    finally:
        pool.close()


def test_a_container_whose_start_fails_while_dockerd_is_away_is_removed_once_it_answers(key, monkeypatch):
    """dockerd stopping between create and start (as during a restart) makes both the start and the
    first removals fail: the created container must still be removed once dockerd answers again."""
    api = client().api
    real_remove = api.remove_container
    refusals = {"left": 2}

    def start_refused(*_a, **_kw):
        raise ConnectionError("dockerd went away")

    def remove_refused_at_first(*args, **kwargs):
        if refusals["left"]:
            refusals["left"] -= 1
            raise ConnectionError("dockerd still away")
        return real_remove(*args, **kwargs)

    marker = f"start-refused-{time.monotonic_ns()}"
    monkeypatch.setattr(api, "start", start_refused)
    monkeypatch.setattr(api, "remove_container", remove_refused_at_first)
    with pytest.raises(ConnectionError):
        containers.start_attached(key.image, key.runtime, key.limits, {"runpad.test": marker})
    deadline = time.monotonic() + 30
    while api.containers(all=True, filters={"label": f"runpad.test={marker}"}) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert api.containers(all=True, filters={"label": f"runpad.test={marker}"}) == []
    assert refusals["left"] == 0  # it really was refused twice before it went
