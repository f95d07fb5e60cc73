"""Shared set-up for benchmarks: a fresh database, a real worker process, and timing helpers.

Import this before anything from app: it points the settings at the benchmark database."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = os.environ.get("RUNPAD_BENCH_DB", "runpad_bench")
os.environ["RUNPAD_ENV"] = "test"
os.environ["RUNPAD_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
os.environ.setdefault("RUNPAD_REDIS_URL", "redis://127.0.0.1:6379/6")
os.environ.setdefault("RUNPAD_SECRET_KEY", "bench-secret-key")


def fresh_database() -> None:
    for sql in (f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", f"CREATE DATABASE {DB}"):
        subprocess.run(
            ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql],
            check=True,
            capture_output=True,
        )
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, check=True, capture_output=True)


def whole_worker(slots: int) -> None:
    """Lets the benchmark's workspace use every slot of its worker, as an installation admin would
    for a workspace that owns the machine (the default quota is half the slots): a throughput
    figure then measures the run path, not the quota."""
    from app.services import access, quotas
    from tests.support.actors import acting

    quotas.change(access.SYSTEM, acting().slug, {"max_concurrent_runs": slots})


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def summary(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "p99_ms": round(percentile(samples, 99) * 1000, 1),
    }
