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


FAMILY_ROOTS = {
    "errors.RunpadError",
    "errors.InvalidInput",
    "errors.Unauthorized",
    "errors.NotFound",
    "errors.Forbidden",
    "errors.Conflict",
    "errors.TooLarge",
    "errors.RateLimited",
    "errors.Unavailable",
}
PLAIN_EXCEPTIONS = {"Exception", "ValueError", "RuntimeError", "LookupError", "KeyError", "TypeError", "OSError"}
# The REST API's own route-level error (it carries headers such as WWW-Authenticate), and private
# control-flow exceptions that never leave their module.
OUTSIDE_THE_FAMILY = {"app/api/v1/errors.py:ApiError", "app/integrations/package_versions.py:_Unreachable"}


def test_every_error_a_person_can_see_is_of_the_family():
    strays = []
    for folder in ("app", "state"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(), rel)):
                if not isinstance(node, ast.ClassDef) or f"{rel}:{node.name}" in OUTSIDE_THE_FAMILY:
                    continue
                bases = {ast.unparse(b) for b in node.bases}
                if bases & PLAIN_EXCEPTIONS and not bases & FAMILY_ROOTS and rel != "app/core/errors.py":
                    strays.append(f"{rel}:{node.name}")
    assert strays == []


def test_runtime_differences_are_asked_of_the_table_not_branched_on():
    from app.core import runtimes

    names = set(runtimes.RUNTIMES)
    branches = []
    for folder in ("app", "state", "components", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = str(path.relative_to(ROOT))
            if rel == "app/core/runtimes.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(), rel)):
                if isinstance(node, ast.Compare):
                    sides = [node.left, *node.comparators]
                    if any(isinstance(s, ast.Constant) and s.value in names for s in sides):
                        branches.append(f"{rel}:{node.lineno}")
                elif isinstance(node, ast.Dict) and any(
                    isinstance(k, ast.Constant) and k.value in names for k in node.keys
                ):
                    branches.append(f"{rel}:{node.lineno} (a dict keyed by runtime)")
    assert branches == []


def test_every_runtime_row_names_a_runner_an_image_setting_and_a_starter():
    from app.core import runtimes
    from app.core.settings import Settings

    for row in runtimes.RUNTIMES.values():
        assert (ROOT / "workers/runtime/bootstrap" / row.runner_file).is_file()
        assert row.image_setting in Settings.model_fields
        assert row.starter.strip() and row.pin_modes[0][0] == "exact"


def module_imports(path: Path, package_roots: tuple[str, ...]) -> set[str]:
    """The first-party modules `path` imports, also inside functions (a lazy import hides a loop, it does
    not remove it); `from app.services import x` counts as app.services.x when that is a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(package_roots))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(package_roots):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                where = ROOT / sub.replace(".", "/")
                is_module = where.with_suffix(".py").is_file() or where.is_dir()
                found.add(sub if is_module else node.module)
    return found


def test_no_module_imports_in_a_loop():
    roots = ("app", "state", "components", "workers")
    graph = {}
    for folder in roots:
        for path in (ROOT / folder).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            graph[name] = {m for m in module_imports(path, roots) if m != name}
    loops, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                loops.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert loops == []


def test_shipped_code_imports_no_test_harness_and_core_imports_no_layer_above_it():
    offenders = []
    for folder in ("app", "state", "components", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = str(path.relative_to(ROOT))
            found = imported_modules(path)
            if any(m == "tests" or m.startswith("tests.") for m in found):
                offenders.append(f"{rel} imports tests/")
            if rel.startswith("app/core/") and any(
                m.startswith(("app.services", "app.views", "app.integrations", "app.api", "state", "workers"))
                for m in found
            ):
                offenders.append(f"{rel} imports a layer above app/core")
    assert offenders == []


def test_the_cli_speaks_only_the_rest_api():
    """cli/ is a package of its own (pip install ./cli): nothing of Runpad's server side is importable there."""
    server_side = ("app", "workers", "state", "components", "tests")
    found = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in server_side)
        for path in (ROOT / "cli").rglob("*.py")
    }
    assert found and {path: mods for path, mods in found.items() if mods} == {}
