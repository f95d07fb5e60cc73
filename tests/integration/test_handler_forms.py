"""The handler forms of contract §1, each really run in a container: CommonJS and Lambda-style Node.js,
named exports, Python main and lambda_handler, TypeScript, and the "no handler found" error."""

import uuid

import pytest

from app.services import scripts
from tests.integration.helpers import log_text, tryout
from tests.support.actors import acting

pytestmark = pytest.mark.usefixtures("docker_ready")

CTX_FIELDS = ["run_id", "script_id", "version", "trigger", "deadline"]


@pytest.mark.parametrize(
    "runtime,code,expected",
    [
        ("node", "export function handler(e) { return e.body * 2; }", 10),
        ("node", "export const handler = async (e) => e.body * 3;", 15),
        ("node", "module.exports = async (event, context) => event.body + 1;", 6),
        ("node", "module.exports = { handler: (event) => event.body + 2 };", 7),
        ("node", "exports.handler = async function (event, context) { return event.body + 3; };", 8),
        # Lambda's callback style: the result is what the handler passes to its callback
        (
            "node",
            "exports.handler = function (event, context, callback) {\n"
            "  setTimeout(() => callback(null, { late: event.body }), 5);\n};",
            {"late": 5},
        ),
        ("node", 'const path = require("node:path");\nmodule.exports = () => path.basename("/a/b.txt");', "b.txt"),
        ("node", "console.log('top level, CommonJS by its syntax'); const x = 1;", None),
        ("node", "const n = await Promise.resolve(2); console.log('top-level await', n);", None),
        ("python", "def main(event, ctx):\n    return {'main': event['body']}\n", {"main": 5}),
        ("python", "def main():\n    return 'a main with no parameters'\n", "a main with no parameters"),
        ("python", "def lambda_handler(event, context):\n    return event['body'] * 4\n", 20),
        (
            "python",
            "import asyncio\nasync def lambda_handler(event, context):\n    await asyncio.sleep(0)\n    return 1\n",
            1,
        ),
        ("python", "def helper():\n    return 1\nprint(helper())\n", None),
    ],
)
def test_each_handler_form_runs(runtime, code, expected):
    run = tryout(runtime, code, body=5)
    assert run.status == "succeeded", (run.error, log_text(run))
    assert run.result == expected


def test_lambda_context_has_the_fields_of_ctx():
    node = tryout(
        "node",
        "exports.handler = async (event, context) => ({ keys: Object.keys(context),"
        " same: context.run_id === event.run_id,"
        " left: context.getRemainingTimeInMillis() > 0 });",
    )
    assert node.status == "succeeded", node.error
    assert node.result == {"keys": CTX_FIELDS, "same": True, "left": True}
    python = tryout(
        "python",
        "def lambda_handler(event, context):\n"
        "    return {'keys': list(context), 'same': context.run_id == context['run_id'] == event['run_id'],"
        " 'left': context.get_remaining_time_in_millis() > 0}\n",
    )
    assert python.status == "succeeded", python.error
    assert python.result == {"keys": CTX_FIELDS, "same": True, "left": True}


def test_commonjs_requires_a_declared_package():
    code = 'const dayjs = require("dayjs");\nexports.handler = async () => dayjs("2020-05-01").year();'
    run = tryout("node", code, ["dayjs@^1.11"])
    assert run.status == "succeeded", (run.error, log_text(run))
    assert run.result == 2020


@pytest.mark.parametrize(
    "runtime,code,named",
    [
        ("node", "export const config = { a: 1 };\nexport function helper() {}", "config, helper"),
        ("node", "function helper() {}\nmodule.exports = { helper };", "helper"),
        ("python", "def my_handler(event, context):\n    return 1\n", "my_handler"),
    ],
)
def test_no_handler_found_lists_the_forms_that_work(runtime, code, named):
    run = tryout(runtime, code)
    assert run.status == "failed"
    assert run.error.startswith("no handler found") and named in run.error
    forms = (
        ["export default", "module.exports", "exports.handler"]
        if runtime == "node"
        else ["def handler", "def main", "def lambda_handler"]
    )
    assert all(form in run.error for form in forms), run.error
    assert "no handler found" in log_text(run)


TS_SHAPES = """interface Shape {
  name: string;
  sides: number;
}
enum Colour {
  Red = "red",
  Blue = "blue",
}
namespace Geometry {
  export const square: Shape = { name: "square", sides: 4 };
  export function perimeter(shape: Shape, side: number): number {
    return shape.sides * side;
  }
}

export default async function handler(event: { body: number }, ctx: { run_id: string }): Promise<object> {
  const perimeter = Geometry.perimeter(Geometry.square, event.body);
  return { colour: Colour.Blue, shape: Geometry.square.name, perimeter };
}
"""


def test_typescript_interfaces_enums_and_namespaces_run():
    run = tryout("typescript", TS_SHAPES, body=3)
    assert run.status == "succeeded", (run.error, log_text(run))
    assert run.result == {"colour": "blue", "shape": "square", "perimeter": 12}
    assert "ExperimentalWarning" not in log_text(run)


def test_a_typescript_stack_trace_names_the_typescript_line():
    code = (
        "enum Level {\n  Low,\n  High,\n}\n\n"
        "export const handler = (event: unknown): never => {\n  throw new Error(`boom at ${Level.High}`);\n};\n"
    )
    run = tryout("typescript", code)
    assert run.status == "failed" and run.error == "Error: boom at 1"
    assert "handler.ts:7:9" in log_text(run)  # the throw's line in the TypeScript, not the JavaScript made of it


def test_a_type_error_does_not_block_a_run():
    code = 'const n: number = "not a number";\nexport default (): string => n.toUpperCase();\n'
    run = tryout("typescript", code)
    assert run.status == "succeeded", (run.error, log_text(run))
    assert run.result == "NOT A NUMBER"


def test_typescript_commonjs_and_a_declared_package():
    code = (
        'import dayjs from "dayjs";\n'
        'export const handler = async (): Promise<number> => dayjs("2021-02-03").month() + 1;\n'
    )
    assert tryout("typescript", code, ["dayjs@^1.11"]).result == 2
    lambda_ts = "exports.handler = async (event: { body: number }) => event.body * 2;\n"
    assert tryout("typescript", lambda_ts, body=21).result == 42


def test_a_typescript_syntax_error_names_the_line():
    run = tryout("typescript", "const x: = 5;\nexport default () => x;\n")
    assert run.status == "failed" and "SyntaxError" in run.error
    assert "handler.ts:1" in log_text(run)


def test_typescript_and_node_share_the_dependency_image():
    node = scripts.create(acting(), f"n-{uuid.uuid4()}", "node", "export default () => 1;", ["dayjs@^1.11"])
    ts = scripts.create(acting(), f"t-{uuid.uuid4()}", "typescript", "export default (): number => 1;", ["dayjs@^1.11"])
    assert ts.version.runtime == "typescript" and ts.script.runtime == "typescript"
    assert ts.version.deps_hash == node.version.deps_hash and ts.build.id == node.build.id


def test_a_lambda_callback_error_fails_the_run():
    code = 'exports.handler = (event, context, callback) => callback(new Error("lambda says no"));'
    run = tryout("node", code)
    assert run.status == "failed" and run.error == "Error: lambda says no"
