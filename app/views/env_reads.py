"""The environment variables a handler reads, found in its code by the runtime's pattern: the editor
warns when one of them is a secret of the workspace that is not ticked (the run would not get it).
A hint, not a guarantee: a name built at run time is not seen."""

from __future__ import annotations

import functools
import re

from app.core import runtimes


@functools.lru_cache(maxsize=8)
def _pattern(runtime: str) -> re.Pattern[str]:
    return re.compile(runtimes.row(runtime).env_reads)


def read_names(runtime: str, code: str) -> list[str]:
    """Every environment variable name the code reads literally, sorted."""
    found: set[str] = set()
    for match in _pattern(runtime).finditer(code or ""):
        found.update(name for name in match.groupdict().values() if name)
    return sorted(found)


def unticked_secrets(runtime: str, code: str, secrets: set[str], ticked: set[str]) -> list[str]:
    """Names the code reads that are secrets it could have but are not ticked."""
    return [name for name in read_names(runtime, code) if name in secrets and name not in ticked]
