"""Scale-out: two workers, each with a Docker Engine of its own, sharing one registry and the one
Redis and PostgreSQL. Worker A uses the machine's dockerd; worker B a second dockerd that this module
starts (tests/reliability/scaleout.py) and removes at the end, with everything on it.

Each test uses a node base image of the drill's own (the machine's node image plus a label, the same
image id on both engines), so its dependency set is new to the registry and to both engines, and
every build is of the empty node set: a runner layer and an install step that installs nothing, so no
package registry is involved and all traffic stays on this machine."""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import docker.errors
import pytest

from app.core.db import session
from app.core.settings import settings
from app.models import FINAL_RUN_STATUSES, BuildStatus
from app.services import base_catalog, builds, launch, logs, runs, scripts
from tests.reliability.helpers import messages_for, runs_of, wait_all_final
from tests.reliability.scaleout import LocalRegistry, SecondEngine, copy_image_through, docker_events
from tests.support.actors import acting
from workers import dispatch, tasks  # noqa: F401  (registers the task names for send_task)
from workers.runtime import images

HANDLER = "export default async (event) => { console.log(`handled ${event.run_id}`); return { i: event.body.i }; };"
HEARTBEAT_TTL = settings.heartbeat_seconds * 3  # 15 s: a killed worker counts as alive this long at most
REQUEUE_GRACE = 20  # builds.requeue_abandoned leaves builds claimed less than this long ago alone
REAP_EVERY = settings.heartbeat_seconds * 2  # each live worker's reaper pass
BUILD_BOUND = 180  # one build of the empty node set, push included; measured 10-25 s
RUN_BOUND = 120  # one run, a pull included
# A killed → B has finished its build: its heartbeat expires (15 s) and the claim is older than the
# grace (20 s), then B's next reaper pass (10 s) queues it again, and B builds it (measured 10-20 s)
REQUEUE_BOUND = 120
BURST = 40
BURST_BOUND = 180


# ---- what the module stands up ----------------------------------------------------------------


@pytest.fixture(scope="module")
def registry():
    reg = LocalRegistry()
    try:
        yield reg.start()
    finally:
        reg.stop()


@pytest.fixture(scope="module")
def engine_b():
    engine = SecondEngine()
    try:
        yield engine.start()
    finally:
        engine.stop()
        left = engine.leftovers()
        assert not left, f"the second engine left {left}"


@dataclass
class Bases:
    a: str
    b: str
    copied_in: float  # seconds to push both to the registry and pull them on the second engine


@pytest.fixture(scope="module")
def bases(engine_b, registry):
    """Two node base images, "a" and "b", on both engines under the same id, copied through the
    registry (whose `runpad/deps` repository then holds their layers, as it would after the first
    dependency image any machine pushed). Removed from the first engine afterwards, with every image
    built from them (they inherit the label) and every container left from those images."""
    first = images.client()
    label = f"runpad.drill={engine_b.tag}"
    names = {which: f"runpad/drill-node:{engine_b.tag}-{which}" for which in ("a", "b")}
    try:
        t0 = time.monotonic()
        for which, name in names.items():
            dockerfile = f"FROM {settings.node_image}\nLABEL {label} runpad.drill.base={which}\n"
            first.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=name, rm=True, forcerm=True)
            copy_image_through(registry, first, engine_b.client(), name)
        yield Bases(names["a"], names["b"], time.monotonic() - t0)
    finally:
        for name in filter(lambda name: _exists(first, name), names.values()):
            for c in first.containers.list(all=True, filters={"ancestor": name}):  # a killed worker's
                c.remove(force=True)
        first.api.prune_images(filters={"dangling": False, "label": label})
        assert first.images.list(all=True, filters={"label": label}) == [], "drill images left on the first engine"


def _exists(client, image: str) -> bool:
    try:
        client.images.get(image)
        return True
    except docker.errors.ImageNotFound:
        return False


class Cluster:
    """Workers on either engine with one base image and the registry; the test process (which saves
    scripts, so computes dependency hashes) uses the same settings."""

    def __init__(self, start_worker, monkeypatch, registry: LocalRegistry, engine_b: SecondEngine):
        self._start, self._monkeypatch = start_worker, monkeypatch
        self.registry, self.engine_b = registry, engine_b
        self.base = ""

    def use(self, base: str) -> None:
        self.base = base
        self._monkeypatch.setattr(settings, "node_image", base)
        self._monkeypatch.setattr(settings, "registry", self.registry.address)

    def start(self, role: str):
        """Worker A on the machine's dockerd, or worker B on the second engine."""
        env = {"RUNPAD_NODE_IMAGE": self.base, "RUNPAD_REGISTRY": self.registry.address}
        if role == "b":
            env["DOCKER_HOST"] = self.engine_b.host
        worker = self._start(f"scale-{role}", env=env)
        # The worker published its base before its first heartbeat; this process, which saves the
        # drill's scripts, may still hold the previous drill's base for up to CACHE_SECONDS, and a
        # save hashed with it would find that drill's image ready instead of building.
        base_catalog.forget()
        published = base_catalog.current("node")
        assert published is not None and published.image == self.base, published
        return worker

    def on_b(self, ref: str):
        try:
            return self.engine_b.client().images.get(ref)
        except docker.errors.ImageNotFound:
            return None


@pytest.fixture
def cluster(start_worker, monkeypatch, registry, engine_b, restore_catalog):
    """restore_catalog: the drill's workers publish bases that the module removes at its end."""
    return Cluster(start_worker, monkeypatch, registry, engine_b)


# ---- helpers ----------------------------------------------------------------------------------


def saved_script(**kw) -> scripts.Saved:
    """A saved node script without dependencies; the save queues its build for the workers."""
    return scripts.create(acting(), f"scale-{uuid.uuid4().hex[:8]}", "node", HANDLER, [], **kw)


def wait_build(build_id: uuid.UUID, timeout: float):
    deadline = time.monotonic() + timeout
    while (build := builds.get(build_id)).status not in (BuildStatus.ready, BuildStatus.failed):
        if time.monotonic() > deadline:
            raise AssertionError(f"build {build_id} still {build.status} ({build.worker}) after {timeout:g} s")
        time.sleep(0.2)
    return build


@contextlib.contextmanager
def build_log_feed():
    """Every build's log lines as workers publish them (filter by build id): subscribed before the
    save, so the first lines of its build are not missed."""
    pubsub = logs.redis_client().pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(logs.channel("build", "*"))
    try:
        yield pubsub
    finally:
        pubsub.close()


def wait_for_line(feed, build_id: uuid.UUID, wanted, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    mine = logs.channel("build", build_id)
    while time.monotonic() < deadline:
        message = feed.get_message(timeout=0.5)
        if message and message["channel"].decode() == mine:
            line = json.loads(message["data"])["line"]
            if wanted(line):
                return line
    raise AssertionError(
        f"no such line in build {build_id}'s log within {timeout:g} s (build {builds.get(build_id).status})"
    )


def handled_once(run) -> bool:
    """The handler ran once: its line is in the run's log once."""
    return [ln.line for ln in logs.read("run", run.id)].count(f"handled {run.id}") == 1


# ---- the drills -------------------------------------------------------------------------------


def test_an_image_worker_a_built_runs_on_worker_b_pulled_from_the_registry(cluster, bases, engine_b, figures):
    """Promise: with RUNPAD_REGISTRY set, a dependency image built by a worker on one machine is
    pushed, and a worker on another machine pulls it for its first run instead of building it
    again: the image on B's engine is the very image A built (same id; a rebuild commits a new one),
    the build stays A's, and the run's log says nothing of a build."""
    cluster.use(bases.a)
    a = cluster.start("a")
    saved = saved_script()
    build = wait_build(saved.build.id, BUILD_BOUND)
    assert (build.status, build.worker) == (BuildStatus.ready, a.name), build.error
    assert build.image_ref.startswith(cluster.registry.address + "/") and cluster.registry.has(build.image_ref)
    a.stop()  # from here on only B takes work
    assert cluster.on_b(build.image_ref) is None  # B's engine has never had it

    b = cluster.start("b")
    since = time.time()
    run = launch.manual_run(acting(), saved.script.id, {"i": 1})
    done = runs.wait(run.id, RUN_BOUND)
    assert (done.status, done.worker, done.result) == ("succeeded", b.name, {"i": 1}), done.error
    pulled = cluster.on_b(build.image_ref)
    assert pulled is not None and pulled.id == build.image_digest
    after = builds.get(build.id)
    assert (after.worker, after.finished_at) == (a.name, build.finished_at)
    run_log = "\n".join(ln.line for ln in logs.read("run", run.id))
    assert "building" not in run_log and "rebuilding" not in run_log and handled_once(done)

    pulls = [
        e
        for e in docker_events(cluster.engine_b.client(), since, time.time(), type="image", event="pull")
        if e.get("id") == build.image_ref
    ]
    assert len(pulls) == 1, pulls
    figures(
        a_build_s=round((build.finished_at - build.started_at).total_seconds(), 1),
        b_pull_done_after_claim_s=round(pulls[0]["timeNano"] / 1e9 - done.started_at.timestamp(), 1),
        b_first_run_s=round((done.finished_at - done.started_at).total_seconds(), 1),
        setup_second_engine_up_s=round(engine_b.started_in, 1),
        setup_bases_copied_s=round(bases.copied_in, 1),
    )


def test_a_build_whose_worker_is_killed_is_finished_by_the_other_worker(cluster, bases, figures):
    """Promise: a dependency build whose worker dies mid-build (kill -9 of its process group) is
    queued again once that worker's heartbeat has expired and the claim is older than the 20 s
    grace, and another worker builds and pushes it, within 120 s of the death; the build's log keeps
    the first attempt's lines, says why it starts again, then has the second attempt's. The script
    then runs. (Before this drill, such a build stayed `building` for ever.)"""
    cluster.use(bases.b)
    a = cluster.start("a")
    with build_log_feed() as feed:
        saved = saved_script()
        # A is running the RUN step of the runner layer: the install, commit and push are still to come
        wait_for_line(feed, saved.build.id, lambda line: line.startswith("Step ") and ": RUN " in line, BUILD_BOUND)
    # lines reach the feed at once and PostgreSQL in batches: kill only once some are stored, since the
    # promise is about the lines a dead worker had written (CI once killed it before its first batch)
    deadline = time.monotonic() + 30
    while not logs.read("build", saved.build.id) and time.monotonic() < deadline:
        time.sleep(0.1)
    a.kill9()
    killed = time.monotonic()
    held = builds.get(saved.build.id)
    assert (held.status, held.worker) == (BuildStatus.building, a.name)
    ref = images.dependency_image_ref(held.deps_hash)
    assert not cluster.registry.has(ref)
    claimed_before_kill = time.time() - held.started_at.timestamp()

    b = cluster.start("b")
    done = wait_build(saved.build.id, REQUEUE_BOUND + 30)
    finished_after = time.monotonic() - killed
    assert (done.status, done.worker) == (BuildStatus.ready, b.name), done.error
    assert cluster.registry.has(ref) and cluster.on_b(ref).id == done.image_digest
    lines = logs.read("build", saved.build.id)
    assert [ln.seq for ln in lines] == list(range(1, len(lines) + 1))  # one log, in order
    text = [ln.line for ln in lines]
    restart = next(i for i, line in enumerate(text) if f"({a.name}) stopped before it finished" in line)
    assert 0 < restart < len(text) - 1 and text[-1] == f"image {ref} ready"

    run = launch.manual_run(acting(), saved.script.id, {"i": 2})
    ran = runs.wait(run.id, RUN_BOUND)
    assert (ran.status, ran.worker, ran.result) == ("succeeded", b.name, {"i": 2}) and handled_once(ran)
    figures(
        killed_after_claim_s=round(claimed_before_kill, 1),
        a_killed_to_b_finished_s=round(finished_after, 1),
        b_build_s=round((done.finished_at - done.started_at).total_seconds(), 1),
        bound_s=REQUEUE_BOUND,
        heartbeat_ttl_s=HEARTBEAT_TTL,
        grace_s=REQUEUE_GRACE,
        reap_every_s=REAP_EVERY,
    )
    assert finished_after <= REQUEUE_BOUND


def test_a_burst_of_runs_is_shared_by_both_workers_and_each_run_ends_once(cluster, bases, figures):
    """Promise: 40 runs queued at once are taken by both workers (each runs at least an eighth of
    them: the per-worker count comes from the runs' `worker` field); none is lost or doubled: the
    script has exactly 40 runs, each `succeeded` with its own event's result, its handler ran once,
    each in a container of its own, and no message for any of them is left in the queue."""
    cluster.use(bases.a)
    a, b = cluster.start("a"), cluster.start("b")
    saved = saved_script(network=False)  # no veth pair per run: the burst measures the workers, not the network
    build = wait_build(saved.build.id, BUILD_BOUND)  # ready at once after the first drill: same dependency set
    assert build.status == BuildStatus.ready, build.error

    with session() as s:
        version = scripts.current_version(s, saved.script)
        queued = [runs.create(s, version, "manual", {"i": i}, script=saved.script) for i in range(BURST)]
        s.commit()
    event_of = {run.id: run.event["body"]["i"] for run in queued}
    t0 = time.monotonic()
    dispatch.enqueue_runs(list(event_of), "manual")
    drained = wait_all_final(saved.script.id, BURST_BOUND)

    ended = runs_of(saved.script.id)
    per_worker = Counter(run.worker for run in ended)
    assert len(ended) == BURST and set(per_worker) == {a.name, b.name}, per_worker
    assert min(per_worker.values()) >= BURST // 8, per_worker
    assert Counter(run.status for run in ended) == {"succeeded": BURST}
    assert all(run.result == {"i": event_of[run.id]} for run in ended)
    assert all(handled_once(run) for run in ended)
    assert len({run.container_id for run in ended}) == BURST
    assert all(messages_for(run.id) == 0 for run in ended)
    assert all(run.status in FINAL_RUN_STATUSES and run.finished_at for run in ended)
    figures(
        runs=BURST,
        runs_on_a=per_worker[a.name],
        runs_on_b=per_worker[b.name],
        all_final_s=round(drained, 1),
        runs_per_s=round(BURST / (time.monotonic() - t0), 1),
    )
