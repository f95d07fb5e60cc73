"""The save-time syntax check: the line and column a person can go to, for each runtime."""

import pytest

from app.core.parsing import SyntaxProblem, syntax_problem

PARSES = [
    ("node", "export default async function handler(event, ctx) {\n  return { ok: true };\n}\n"),
    ("node", "import x from 'x';\nconst s = `a ${x}`;\nexport const handler = async (e) => e?.body ?? null;\n"),
    ("node", "module.exports = async (event) => ({ statusCode: 200 });\n"),
    (
        "typescript",
        "enum A { x }\nnamespace N { export const a: number = 1 }\ninterface I { a: string }\n"
        "export default (e: I): number => A.x\n",
    ),
    ("python", "import os\n\nasync def handler(event, ctx):\n    return {'k': os.environ.get('K')}\n"),
]

BROKEN = [
    ("node", "export default function handler(e) {\n  const x = ;\n}\n", SyntaxProblem(2, 11, "unexpected `=`")),
    # columns count characters, not bytes
    ("node", "// é\nconst é = = 1;\n", SyntaxProblem(2, 9, "unexpected `=`")),
    ("node", "export default function handler(e) {\n  return 1;\n", SyntaxProblem(2, 12, "missing `}`")),
    ("python", "def handler(event, ctx):\n    return {\n", SyntaxProblem(2, 12, "'{' was never closed")),
    ("python", "x = 1\ny = = 2\n", SyntaxProblem(2, 5, "invalid syntax")),
    ("python", "x = 1\x00\n", None),
]


@pytest.mark.parametrize(("runtime", "code"), PARSES)
def test_code_that_parses_has_no_problem(runtime, code):
    assert syntax_problem(runtime, code) is None


@pytest.mark.parametrize(("runtime", "code", "expected"), BROKEN)
def test_broken_code_names_line_and_column(runtime, code, expected):
    problem = syntax_problem(runtime, code)
    assert problem is not None
    if expected is not None:
        assert problem == expected
    assert str(problem).startswith(f"line {problem.line}, column {problem.column}: ")


def test_deep_nesting_is_a_problem_not_a_crash():
    assert syntax_problem("python", "x = " + "(" * 100_000 + ")" * 100_000) is not None
    assert syntax_problem("node", "x = " + "[" * 100_000 + "]" * 100_000 + ";") is None
