"""The shipper against real PostgreSQL, with a recording client as the CloudWatch seam: claims,
groups and streams created once, shipped flags, and several shippers at once without duplicates."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import insert, select

from app.core.db import session
from app.integrations import cloudwatch
from app.models import LogLine, utcnow
from workers.shipping import Shipper

from .test_batching import client_error


class FakeCloudWatch:
    """Records every call; a group or stream created twice answers ResourceAlreadyExists, as AWS does."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.lock = threading.Lock()
        self.groups: set[str] = set()
        self.streams: set[str] = set()
        self.creates: list[str] = []
        self.puts: list[dict] = []

    def create_log_group(self, logGroupName):
        with self.lock:
            self.creates.append(f"group {logGroupName}")
            if logGroupName in self.groups:
                raise client_error("ResourceAlreadyExistsException")
            self.groups.add(logGroupName)

    def create_log_stream(self, logGroupName, logStreamName):
        with self.lock:
            self.creates.append(f"stream {logStreamName}")
            if logStreamName in self.streams:
                raise client_error("ResourceAlreadyExistsException")
            self.streams.add(logStreamName)

    def put_log_events(self, **kwargs):
        time.sleep(self.delay)
        with self.lock:
            self.puts.append(kwargs)
        return {}


@pytest.fixture
def configured(empty_backlog):
    cloudwatch.configure("eu-west-1", "/runpad/fake", access_key_id="k", secret_access_key="s")
    yield
    cloudwatch.disable()


def add_run_lines(n: int) -> uuid.UUID:
    run_id, start = uuid.uuid4(), utcnow()
    with session() as s:
        s.execute(
            insert(LogLine),
            [
                {
                    "source": "run",
                    "source_id": run_id,
                    "seq": i,
                    "stream": "stdout",
                    "ts": start + timedelta(microseconds=i),
                    "line": f"{run_id} {i}",
                }
                for i in range(1, n + 1)
            ],
        )
        s.commit()
    return run_id


def shipped_flags(run_id: uuid.UUID) -> list[bool]:
    with session() as s:
        return list(s.scalars(select(LogLine.shipped).where(LogLine.source_id == run_id).order_by(LogLine.seq)))


def test_claims_ship_and_mark_lines_creating_each_stream_once(configured):
    fake = FakeCloudWatch()
    fake.groups.add("/runpad/fake")  # another worker made it already: AlreadyExists is fine
    first, second = add_run_lines(150), add_run_lines(100)
    shipper = Shipper(client_for=lambda t: fake, claim_rows=100)
    rounds = [shipper.ship_pending() for _ in range(4)]
    assert [(r.claimed, r.shipped) for r in rounds] == [(100, 100), (100, 100), (50, 50), (0, 0)]
    assert all(shipped_flags(first)) and all(shipped_flags(second))
    assert fake.creates == ["group /runpad/fake", f"stream run/{first}", f"stream run/{second}"]
    for run_id, n in ((first, 150), (second, 100)):
        messages = [e["message"] for p in fake.puts if p["logStreamName"] == f"run/{run_id}" for e in p["logEvents"]]
        assert messages == [f"{run_id} {i}" for i in range(1, n + 1)]


def test_a_failed_put_leaves_lines_unshipped_for_the_next_round(configured):
    fake = FakeCloudWatch()
    run_id = add_run_lines(20)
    broken = FakeCloudWatch()
    broken.put_log_events = lambda **kw: (_ for _ in ()).throw(client_error("AccessDeniedException"))
    with pytest.raises(ClientError) as failure:
        Shipper(client_for=lambda t: broken).ship_pending()
    assert cloudwatch.error_code(failure.value) == "AccessDeniedException"
    assert not any(shipped_flags(run_id))
    assert Shipper(client_for=lambda t: fake).ship_pending().shipped >= 20
    assert all(shipped_flags(run_id))


def test_several_shippers_at_once_never_send_a_line_twice(configured):
    fake = FakeCloudWatch(delay=0.05)  # slow calls keep claims overlapping in time
    runs = [add_run_lines(300) for _ in range(4)]

    def drain():
        shipper = Shipper(client_for=lambda t: fake, claim_rows=50)
        while (r := shipper.ship_pending()) and r.claimed:
            pass

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    sent = [e["message"] for p in fake.puts for e in p["logEvents"]]
    assert len(sent) == len(set(sent)) == 1200
    assert all(all(shipped_flags(r)) for r in runs)


def test_a_writer_only_policy_that_may_not_create_the_group_still_ships(configured):
    class WriterOnly(FakeCloudWatch):
        def create_log_group(self, logGroupName):
            raise client_error("AccessDeniedException")  # the group exists, made by infra/terraform

    fake = WriterOnly()
    run_id = add_run_lines(3)
    Shipper(client_for=lambda target: fake, sleep=lambda s: None).ship_pending()
    assert shipped_flags(run_id) == [True, True, True] and len(fake.puts) == 1
