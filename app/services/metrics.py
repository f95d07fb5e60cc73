"""Prometheus metrics, gathered at scrape time from where the facts already live: run and build
counts and timings from PostgreSQL, warm-pool figures and hook latency from Redis (written there by
every worker and web process, so any web process can answer /metrics for all of them)."""

from __future__ import annotations

from typing import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from app.db import session
from app.services.logs import redis_client

SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)
HOOK_KEY = "runpad:metrics:hook_latency"
POOL_PREFIX = "runpad:metrics:pool:"


def record_hook_latency(seconds: float) -> None:
    """Adds one observation to the shared hook-latency histogram (cumulative buckets, as Prometheus wants)."""
    pipe = redis_client().pipeline(transaction=False)
    for bound in SECONDS_BUCKETS:
        if seconds <= bound:
            pipe.hincrby(HOOK_KEY, f"le:{bound}", 1)
    pipe.hincrby(HOOK_KEY, "count", 1)
    pipe.hincrbyfloat(HOOK_KEY, "sum", seconds)
    pipe.execute()


def publish_pool_stats(worker: str, size: int, hits: int, misses: int, ttl: int = 30) -> None:
    key = POOL_PREFIX + worker
    redis_client().pipeline(transaction=False).hset(key, mapping={"size": size, "hits": hits, "misses": misses}) \
        .expire(key, ttl).execute()


def _histogram_rows(column_sql: str) -> tuple[list[int], int, float]:
    buckets = ", ".join(f"count(*) FILTER (WHERE v <= {b})" for b in SECONDS_BUCKETS)
    sql = f"SELECT {buckets}, count(*), coalesce(sum(v), 0) FROM (SELECT {column_sql} AS v FROM runs) t WHERE v IS NOT NULL"
    with session() as s:
        row = s.execute(text(sql)).one()
    return list(row[: len(SECONDS_BUCKETS)]), row[-2], float(row[-1])


def _histogram(name: str, doc: str, counts: list[int], total: int, total_sum: float) -> HistogramMetricFamily:
    buckets = [(str(b), c) for b, c in zip(SECONDS_BUCKETS, counts)] + [("+Inf", total)]
    return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=total_sum)


class RunpadCollector(Collector):
    def collect(self) -> Iterator:
        yield from self._runs()
        yield from self._builds()
        yield _histogram("runpad_run_duration_seconds", "How long finished runs took",
                         *_histogram_rows("duration_ms / 1000.0"))
        yield _histogram("runpad_run_queue_wait_seconds", "From queued to picked up by a worker",
                         *_histogram_rows("extract(epoch FROM started_at - queued_at)"))
        yield from self._pool()
        yield self._hooks()

    def _runs(self) -> Iterator:
        runs = GaugeMetricFamily("runpad_runs", "Runs by status and runtime", labels=["status", "runtime"])
        sql = ("SELECT r.status, v.runtime, count(*) FROM runs r JOIN script_versions v ON v.id = r.version_id "
               "GROUP BY r.status, v.runtime")
        with session() as s:
            for status, runtime, count in s.execute(text(sql)):
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
            stats = {k.decode(): int(v) for k, v in r.hgetall(key).items()}
            size.add_metric([worker], stats.get("size", 0))
            hits.add_metric([worker], stats.get("hits", 0))
            misses.add_metric([worker], stats.get("misses", 0))
        yield from (size, hits, misses)

    def _hooks(self) -> HistogramMetricFamily:
        raw = {k.decode(): v.decode() for k, v in redis_client().hgetall(HOOK_KEY).items()}
        counts = [int(raw.get(f"le:{b}", 0)) for b in SECONDS_BUCKETS]
        return _histogram("runpad_hook_latency_seconds", "Hook request in to response out", counts,
                          int(raw.get("count", 0)), float(raw.get("sum", 0)))
