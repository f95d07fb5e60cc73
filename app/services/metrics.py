"""Prometheus metrics, gathered at scrape time without scanning history: finished runs and their
timings, warm-pool figures and hook latency are counters in Redis (written at the moment they
happen by every worker and web process, so any web process can answer /metrics for all of them);
only active runs and builds are counted in PostgreSQL, through the index on their status.

Counters live in Redis without persistence: a Redis restart resets them, which Prometheus reads
as a counter reset (rate() and increase() handle it), instead of a scrape reading every run ever."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import cast

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import bindparam, text

from app.core.db import session
from app.core.redis import redis_client

SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)
HOOK_KEY = "runpad:metrics:hook_latency"
POOL_PREFIX = "runpad:metrics:pool:"
RUN_DURATION_KEY = "runpad:metrics:run_duration"
QUEUE_WAIT_KEY = "runpad:metrics:run_queue_wait"
RUNS_ENDED_KEY = "runpad:metrics:runs_ended"  # field "<status>:<runtime>"
TURNED_AWAY_KEY = "runpad:metrics:turned_away"  # field: the HTTP status a trigger was answered with
ACTIVE_STATUSES = ("queued", "building", "running")

log = logging.getLogger(__name__)


def _observe(pipe, key: str, seconds: float) -> None:
    """One observation of a shared histogram (cumulative buckets, as Prometheus wants)."""
    for bound in SECONDS_BUCKETS:
        if seconds <= bound:
            pipe.hincrby(key, f"le:{bound}", 1)
    pipe.hincrby(key, "count", 1)
    pipe.hincrbyfloat(key, "sum", seconds)


def record_hook_latency(seconds: float) -> None:
    pipe = redis_client().pipeline(transaction=False)
    _observe(pipe, HOOK_KEY, seconds)
    pipe.execute()


def record_run_end(status: str, runtime: str, duration_seconds: float | None, queue_wait_seconds: float | None) -> None:
    """Counts a run that has just ended; called once per run, by whoever recorded its end.
    A Redis outage loses the observation, never the run's end."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.hincrby(RUNS_ENDED_KEY, f"{status}:{runtime}", 1)
        if duration_seconds is not None:
            _observe(pipe, RUN_DURATION_KEY, duration_seconds)
        if queue_wait_seconds is not None:
            _observe(pipe, QUEUE_WAIT_KEY, queue_wait_seconds)
        pipe.execute()
    except redis.RedisError:
        log.warning("metrics: could not count the end of a %s run", status, exc_info=True)


def record_turned_away(status: int) -> None:
    """Counts a trigger that could not start a run for Runpad's reasons (a build not ready, the queue)."""
    try:
        redis_client().hincrby(TURNED_AWAY_KEY, str(status), 1)
    except redis.RedisError:
        log.warning("metrics: could not count a call turned away with %s", status, exc_info=True)


def publish_pool_stats(worker: str, size: int, hits: int, misses: int, ttl: int = 30) -> None:
    key = POOL_PREFIX + worker
    pipe = redis_client().pipeline(transaction=False)
    pipe.hset(key, mapping={"size": size, "hits": hits, "misses": misses})
    pipe.expire(key, ttl)
    pipe.execute()


def _hash(r: redis.Redis, key: str) -> dict[bytes, bytes]:
    return cast(dict[bytes, bytes], r.hgetall(key))  # redis-py types a reply as Awaitable too


def _histogram_from_redis(key: str) -> tuple[list[int], int, float]:
    raw = {k.decode(): v.decode() for k, v in _hash(redis_client(), key).items()}
    return [int(raw.get(f"le:{b}", 0)) for b in SECONDS_BUCKETS], int(raw.get("count", 0)), float(raw.get("sum", 0))


def _histogram(name: str, doc: str, counts: list[int], total: int, total_sum: float) -> HistogramMetricFamily:
    buckets = [(str(b), c) for b, c in zip(SECONDS_BUCKETS, counts, strict=True)] + [("+Inf", total)]
    return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=total_sum)


class RunpadCollector(Collector):
    def collect(self) -> Iterator:
        yield from self._runs()
        yield from self._builds()
        yield _histogram(
            "runpad_run_duration_seconds", "How long finished runs took", *_histogram_from_redis(RUN_DURATION_KEY)
        )
        yield _histogram(
            "runpad_run_queue_wait_seconds",
            "From queued to picked up by a worker (runs that started)",
            *_histogram_from_redis(QUEUE_WAIT_KEY),
        )
        yield from self._pool()
        yield self._hooks()
        yield self._turned_away()

    def _turned_away(self) -> CounterMetricFamily:
        turned = CounterMetricFamily(
            "runpad_triggers_turned_away", "Hook calls that could not start a run, by HTTP status", labels=["status"]
        )
        for status, count in _hash(redis_client(), TURNED_AWAY_KEY).items():
            turned.add_metric([status.decode()], int(count))
        return turned

    def _runs(self) -> Iterator:
        """Ended runs from the Redis counters; active ones counted through the status index."""
        runs = GaugeMetricFamily(
            "runpad_runs", "Runs by status and runtime (ended: since Redis started)", labels=["status", "runtime"]
        )
        for field, count in _hash(redis_client(), RUNS_ENDED_KEY).items():
            status, _, runtime = field.decode().partition(":")
            runs.add_metric([status, runtime], int(count))
        sql = (
            "SELECT r.status, v.runtime, count(*) FROM runs r JOIN script_versions v ON v.id = r.version_id "
            "WHERE r.status IN :active GROUP BY r.status, v.runtime"
        )
        with session() as s:
            for status, runtime, count in s.execute(
                text(sql).bindparams(bindparam("active", expanding=True)), {"active": list(ACTIVE_STATUSES)}
            ):
                runs.add_metric([status, runtime], count)
        yield runs

    def _builds(self) -> Iterator:
        builds = GaugeMetricFamily("runpad_builds", "Dependency builds by status", labels=["status"])
        with session() as s:
            for status, count in s.execute(text("SELECT status, count(*) FROM builds GROUP BY status")):
                builds.add_metric([status], count)
        yield builds

    def _pool(self) -> Iterator:
        size = GaugeMetricFamily("runpad_warm_pool_size", "Warm containers waiting", labels=["worker"])
        hits = CounterMetricFamily("runpad_warm_pool_hits", "Runs that got a warm container", labels=["worker"])
        misses = CounterMetricFamily("runpad_warm_pool_misses", "Runs that started cold", labels=["worker"])
        r = redis_client()
        for key in r.scan_iter(match=POOL_PREFIX + "*", count=500):
            worker = key.decode().removeprefix(POOL_PREFIX)
            stats = {k.decode(): int(v) for k, v in _hash(r, key).items()}
            size.add_metric([worker], stats.get("size", 0))
            hits.add_metric([worker], stats.get("hits", 0))
            misses.add_metric([worker], stats.get("misses", 0))
        yield from (size, hits, misses)

    def _hooks(self) -> HistogramMetricFamily:
        return _histogram(
            "runpad_hook_latency_seconds", "Hook request in to response out", *_histogram_from_redis(HOOK_KEY)
        )
