"""The code base's shape, checked: only workers/ talks to Celery. The web and hooks apps' ASGI
modules are the two composition roots that install workers.dispatch's backend behind app.services.queue."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BROKER_MODULES = ("celery", "kombu", "workers.dispatch", "workers.celery_app")
COMPOSITION_ROOTS = {"app/api/main.py", "app/api/hooks_app.py"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_workers_import_the_broker():
    offenders = {}
    for folder in ("app", "state", "components"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = str(path.relative_to(ROOT))
            if rel in COMPOSITION_ROOTS:
                continue
            found = {m for m in imported_modules(path) if m.startswith(BROKER_MODULES)}
            if found:
                offenders[rel] = sorted(found)
    assert offenders == {}
