"""The database engine and a session helper shared by the web app, the workers and the scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import create_engine, exc as sa_exc, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.core.settings import settings

_engine: Engine | None = None


def engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = create_engine(
            settings.database_url,
            pool_pre_ping=True,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
    return _engine


def reset_engine() -> None:
    """Drop pooled connections (after a fork, or when tests switch databases)."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = None


@contextmanager
def session() -> Iterator[Session]:
    with Session(engine(), expire_on_commit=False) as s:
        yield s


def database_now(s: Session) -> datetime:
    """PostgreSQL's clock_timestamp(): one clock for every machine, so schedulers agree on "now"."""
    return s.execute(select(func.clock_timestamp())).scalar_one()


BUSY_RETRY_AFTER_SECONDS = 2
TOO_MANY_CONNECTIONS = "53300"  # PostgreSQL's too_many_connections: it answers, it is full


def is_busy(error: BaseException) -> bool:
    """True when the database is fine but every connection is in use: our pool had none free within
    pool_timeout, or PostgreSQL refused one more connection. A caller should say "busy, retry",
    not "the database is not answering"."""
    if isinstance(error, sa_exc.TimeoutError):  # QueuePool: no connection free within pool_timeout
        return True
    origin = getattr(error, "orig", None)
    return isinstance(error, sa_exc.OperationalError) and getattr(origin, "sqlstate", None) == TOO_MANY_CONNECTIONS
