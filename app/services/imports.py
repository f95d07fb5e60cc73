"""What a handler's code imports, as registry package names: the first half of import detection
(app.services.detected pins what this finds). It reads the code's tree, never runs it.

JavaScript and TypeScript go through tree-sitter (app.core.parsing): ES `import … from "x"`,
`import "x"`, `export … from "x"`, `import("x")` and `require("x")` with a string literal, and
TypeScript's `import x = require("x")`; type-only imports are left out, since TypeScript erases
them. Python goes through `ast`: `import x`, `from x import y`, and `importlib.import_module("x")` /
`__import__("x")` with a string literal; relative imports are left out.

A `requires:` comment on an import's line (`# requires: PyYAML==6.0.1`, `// requires: lodash@4.17.20`)
names what that import needs instead; on a line of its own it adds what it names."""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tree_sitter import Node, Tree

from app.core import parsing, runtimes
from app.core.runtimes import Ecosystem

DATA = Path(__file__).resolve().parent.parent / "data"
_REQUIRES = re.compile(r"^\s*requires\s*:\s*(?P<specs>.+?)\s*$")


@dataclass(frozen=True)
class Imported:
    package: str  # the registry name: an npm package, or a PyPI distribution
    written: str  # what the code wrote, for messages: "lodash/fp", "yaml"


@dataclass
class Found:
    imports: list[Imported] = field(default_factory=list)  # in source order, one per package
    required: list[str] = field(default_factory=list)  # specs from `requires:` comments, as written

    def add(self, package: str | None, written: str) -> None:
        if package and all(i.package != package for i in self.imports):
            self.imports.append(Imported(package, written))


def found_in(runtime: str, code: str) -> Found:
    """What the code imports from its runtime's registry; empty when the code does not parse (the
    save-time check says why) or the runtime is unknown (validation says so)."""
    if not isinstance(code, str):
        return Found()
    tree = parsing.js_tree(runtime, code)  # by the runtime's name: every JavaScript-family runtime has a grammar
    if tree is not None:
        return _javascript(tree)
    try:
        ecosystem = runtimes.ecosystem_of(runtime)
    except runtimes.UnknownRuntime:
        return Found()
    return _python(code) if ecosystem == Ecosystem.pypi else Found()


# ---- names ------------------------------------------------------------------------------------


@cache
def node_builtins() -> frozenset[str]:
    return frozenset(json.loads((DATA / "node_builtins.json").read_text())["modules"])


@cache
def python_import_names() -> dict[str, str]:
    return dict(json.loads((DATA / "python_import_names.json").read_text())["names"])


def npm_package(specifier: str) -> str | None:
    """The npm package a module specifier loads, or None: relative and absolute paths, `#` subpath
    imports, `node:` and other URL schemes, and Node.js built-ins (`fs`, `fs/promises`) are none."""
    if not specifier or specifier.startswith((".", "/", "#")) or ":" in specifier:
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) > 1 and parts[1] else None
    # a trailing slash asks for the npm package of a built-in's name (`require("punycode/")`)
    if parts[0] in node_builtins() and specifier != parts[0] + "/":
        return None
    return parts[0]


def python_distribution(module: str) -> str | None:
    """The PyPI distribution an absolute import needs, or None for the standard library. The
    longest dotted prefix the table lists wins; otherwise the top-level name is the distribution."""
    parts = module.split(".")
    if parts[0] in sys.stdlib_module_names or parts[0] == "__future__":
        return None
    table = python_import_names()
    for end in range(len(parts), 0, -1):
        mapped = table.get(".".join(parts[:end]))
        if mapped:
            return mapped
    return parts[0]


def _requires_specs(comment: str) -> list[str] | None:
    match = _REQUIRES.match(comment)
    if match is None:
        return None
    return [spec.strip() for spec in match.group("specs").split(",") if spec.strip()]


# ---- JavaScript and TypeScript ----------------------------------------------------------------


def _javascript(tree: Tree) -> Found:
    found = Found()
    comments: dict[int, list[str]] = {}  # row -> specs of a `requires:` comment ending there
    loads: list[tuple[Node, str]] = []  # (the node spanning the import, its specifier)
    stack = [tree.root_node]
    while stack:  # iterative: deeply nested code must not exhaust Python's stack
        node = stack.pop()
        if node.type == "comment":
            specs = _requires_specs(_comment_text(node))
            if specs is not None:
                comments[node.start_point[0]] = specs
            continue
        specifier = _loaded_by(node)
        if specifier is not None:
            loads.append((node, specifier))
        stack.extend(reversed(node.children))
    overridden: set[int] = set()
    for node, specifier in loads:
        rows = range(node.start_point[0], node.end_point[0] + 1)
        row = next((r for r in rows if r in comments), None)
        if row is None:
            found.add(npm_package(specifier), specifier)
        elif row not in overridden:
            overridden.add(row)
            found.required.extend(comments[row])
    found.required.extend(spec for row, specs in sorted(comments.items()) if row not in overridden for spec in specs)
    return found


def _comment_text(node: Node) -> str:
    text = (node.text or b"").decode(errors="replace")
    return text[2:-2] if text.startswith("/*") else text[2:]


def _loaded_by(node: Node) -> str | None:
    """The specifier a node loads at run time: an import or re-export with a source, TypeScript's
    `import x = require(...)`, or a call of `import(...)` / `require(...)` with a literal string."""
    if node.type in ("import_statement", "export_statement"):
        if _type_only(node):
            return None
        source = node.child_by_field_name("source")
        if source is None:
            clause = next((c for c in node.children if c.type == "import_require_clause"), None)
            source = next((c for c in clause.children if c.type == "string"), None) if clause else None
        return _literal(source)
    if node.type == "call_expression":
        function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if function is None or arguments is None:
            return None
        if function.type == "import" or (function.type == "identifier" and function.text == b"require"):
            args = [c for c in arguments.children if c.type not in ("(", ")", ",")]
            return _literal(args[0]) if args else None
    return None


def _type_only(node: Node) -> bool:
    """`import type …`, `export type … from`, or an import all of whose names are types: erased."""
    if any(c.type == "type" for c in node.children):
        return True
    clause = next((c for c in node.children if c.type == "import_clause"), None)
    if clause is None or len(clause.children) != 1 or clause.children[0].type != "named_imports":
        return False
    specifiers = [c for c in clause.children[0].children if c.type == "import_specifier"]
    return bool(specifiers) and all(any(k.type == "type" for k in s.children) for s in specifiers)


def _literal(node: Node | None) -> str | None:
    """A string literal's value; None for anything computed or with escapes (not a plain name)."""
    if node is None or node.type not in ("string", "template_string"):
        return None
    inner = node.children[1:-1]
    if any(c.type != "string_fragment" for c in inner):
        return None
    return "".join((c.text or b"").decode(errors="replace") for c in inner)


# ---- Python -----------------------------------------------------------------------------------


def _python(code: str) -> Found:
    found = Found()
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return found
    comments = _python_comments(code)
    overridden: set[int] = set()
    for node, modules in _python_imports(tree):
        end = getattr(node, "end_lineno", None) or node.lineno
        row = next((r for r in range(node.lineno, end + 1) if r in comments), None)
        if row is not None:
            if row not in overridden:
                overridden.add(row)
                found.required.extend(comments[row])
            continue
        for module, written in modules:
            found.add(python_distribution(module), written)
    found.required.extend(spec for row, specs in sorted(comments.items()) if row not in overridden for spec in specs)
    return found


def _python_imports(tree: ast.AST) -> list[tuple[ast.stmt | ast.expr, list[tuple[str, str]]]]:
    """Each import in source order with the dotted modules it names and what the code wrote
    (`from a import b` names `a.b`, so a table entry for `a.b` can match it)."""
    result: list[tuple[ast.stmt | ast.expr, list[tuple[str, str]]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            result.append((node, [(alias.name, alias.name) for alias in node.names]))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [alias.name for alias in node.names if alias.name != "*"]
            result.append((node, [(f"{node.module}.{n}", node.module) for n in names] or [(node.module, node.module)]))
        elif isinstance(node, ast.Call) and (module := _dynamic_import(node)):
            result.append((node, [(module, module)]))
    return sorted(result, key=lambda item: (item[0].lineno, item[0].col_offset))


def _dynamic_import(call: ast.Call) -> str | None:
    func = call.func
    named = (isinstance(func, ast.Name) and func.id == "__import__") or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )
    if not named or not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and not first.value.startswith("."):
        return first.value
    return None


def _python_comments(code: str) -> dict[int, list[str]]:
    """line -> specs of the `requires:` comment on it."""
    comments: dict[int, list[str]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT and (specs := _requires_specs(token.string[1:])) is not None:
                comments[token.start[0]] = specs
    except (tokenize.TokenError, SyntaxError):
        pass
    return comments
