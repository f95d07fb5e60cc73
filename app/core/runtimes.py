"""The runtime table: everything that differs between the languages a script can be written in, in
one row per runtime. The rest of the code asks the table (or, for package handling, the row's
ecosystem: npm or PyPI, which is what dependencies, version suggestions and builds differ by).
Adding a runtime is adding a row here, a runner in workers/runtime/bootstrap and, for a new
ecosystem, its functions in app.services.dependencies, app.integrations.package_versions and
workers.runtime.images (each keyed by ecosystem)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.core import errors


class Runtime(StrEnum):
    node = "node"
    python = "python"
    typescript = "typescript"


class Syntax(StrEnum):
    """The grammar app.core.parsing reads a runtime's code with."""

    javascript = "javascript"
    typescript = "typescript"
    python = "python"


class Ecosystem(StrEnum):
    npm = "npm"
    pypi = "PyPI"


@dataclass(frozen=True)
class RuntimeRow:
    name: Runtime
    label: str  # as people read it
    badge_colour: str  # a Radix colour scale
    ecosystem: Ecosystem
    # the runtime whose base image, runner layer and dependency images this one runs on (itself, or
    # node for typescript): one dependency set makes one image for both
    image_family: Runtime
    file_extension: str  # a handler file's, as a download or the CLI names it
    image_setting: str  # the Settings field naming the base image (RUNPAD_NODE_IMAGE, ...)
    runner_file: str  # in workers/runtime/bootstrap, copied into the runner image
    command: tuple[str, ...]  # how the runner image starts the runner
    lockfile_path: str  # where the build leaves the exact installed versions
    extra_ca_env: tuple[str, ...]  # variables beyond the shared ones that must point at an extra CA bundle
    editor_language: str  # Monaco's language id
    syntax: Syntax  # how the save-time check and import detection parse the code
    pin_modes: tuple[tuple[str, str, str], ...]  # (mode, operator, label) for a picked version
    package_example: str
    version_example: str
    starter: str  # a new script's code
    env_reads: str  # a regular expression whose group "name" is an environment variable the code reads


NODE = RuntimeRow(
    name=Runtime.node,
    label="Node.js",
    badge_colour="green",
    ecosystem=Ecosystem.npm,
    image_family=Runtime.node,
    file_extension=".js",
    image_setting="node_image",
    runner_file="runner.mjs",
    command=("node", "/opt/runpad/runner.mjs"),
    lockfile_path="/opt/runpad/deps/package-lock.json",
    extra_ca_env=("NODE_EXTRA_CA_CERTS",),
    editor_language="javascript",
    syntax=Syntax.javascript,
    pin_modes=(("exact", "", "Exact version"), ("compatible", "^", "^ compatible"), ("patch", "~", "~ patch updates")),
    package_example="dayjs",
    version_example="^1.11",
    env_reads=r"""process\.env(?:\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)|\[\s*["'`](?P<quoted>[A-Za-z_][A-Za-z0-9_]*)["'`]\s*\])""",
    starter="""// `event.body` is the request body, the JSON you try out with, or null on a schedule.
// Secrets you pick are in process.env; what you return is the run's result.
export default async function handler(event, ctx) {
  console.log("run", ctx.run_id, "received", JSON.stringify(event.body));
  return { ok: true, at: new Date().toISOString() };
}
""",
)

PYTHON = RuntimeRow(
    name=Runtime.python,
    label="Python",
    badge_colour="blue",
    ecosystem=Ecosystem.pypi,
    image_family=Runtime.python,
    file_extension=".py",
    image_setting="python_image",
    runner_file="runner.py",
    command=("/opt/runpad/venv/bin/python", "-I", "/opt/runpad/runner.py"),
    lockfile_path="/opt/runpad/deps/requirements.lock",
    extra_ca_env=(),
    editor_language="python",
    syntax=Syntax.python,
    pin_modes=(("exact", "==", "== exact"), ("compatible", "~=", "~= compatible"), ("minimum", ">=", ">= at least")),
    package_example="requests",
    version_example="~=2.32",
    env_reads=(r"""os\.(?:environ\s*\[\s*|environ\.get\(\s*|getenv\(\s*)["'](?P<name>[A-Za-z_][A-Za-z0-9_]*)["']"""),
    starter="""# event["body"] is the request body, the JSON you try out with, or None on a schedule.
# Secrets you pick are in os.environ; what you return is the run's result.
import datetime


def handler(event, ctx):
    print("run", ctx["run_id"], "received", event.get("body"))
    return {"ok": True, "at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
""",
)

# TypeScript runs on the Node.js base image: the Node.js runner turns it into JavaScript in the run
# container (Node.js's own transform, with a source map), so the image, runner and pool are node's.
TYPESCRIPT = replace(
    NODE,
    name=Runtime.typescript,
    label="TypeScript",
    badge_colour="indigo",
    file_extension=".ts",
    editor_language="typescript",
    syntax=Syntax.typescript,
    starter="""// `event.body` is the request body, the JSON you try out with, or null on a schedule.
// Secrets you pick are in process.env; what you return is the run's result.
interface Context {
  run_id: string;
  script_id: string | null;
  version: number | null;
  trigger: string;
  deadline: number; // epoch milliseconds
}

export default async function handler(event: { body: unknown }, ctx: Context) {
  console.log("run", ctx.run_id, "received", JSON.stringify(event.body));
  return { ok: true, at: new Date().toISOString() };
}
""",
)

RUNTIMES: dict[str, RuntimeRow] = {row.name.value: row for row in (NODE, TYPESCRIPT, PYTHON)}
# The runtimes that have base images of their own (the others run on one of these)
FAMILIES: tuple[str, ...] = tuple(name for name, r in RUNTIMES.items() if r.image_family == r.name)
DEFAULT = NODE


class UnknownRuntime(errors.InvalidInput):
    """A runtime name that is not in the table."""


def row(name: str) -> RuntimeRow:
    """The table's row for `name`, or UnknownRuntime naming the ones there are."""
    found = RUNTIMES.get(name) if isinstance(name, str) else None
    if found is None:
        choices = " or ".join(repr(n) for n in RUNTIMES)
        raise UnknownRuntime(f"unknown runtime {name!r}: use {choices}")
    return found


def ecosystem_of(name: str) -> Ecosystem:
    return row(name).ecosystem


def family_of(name: str) -> str:
    """The runtime whose base image `name` runs on (see RuntimeRow.image_family)."""
    return row(name).image_family.value
