"""Parsing a handler's code without running it: does it parse, and (for import detection) its tree.

JavaScript and TypeScript go through tree-sitter's grammars, in process: the web tier has no Node.js
of its own, and a parser in a container per save would cost a second. tree-sitter checks the grammar,
not Node.js's early errors (a second `let` of one name, `return` outside a function), which the run
itself reports. Python goes through `compile`, which is CPython's own parser and runs nothing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import tree_sitter_javascript
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Tree

from app.core import runtimes
from app.core.runtimes import Syntax

SHOWN_TOKEN_CHARS = 30


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 1-based
    column: int  # 1-based, in characters
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@cache
def _language(syntax: Syntax) -> Language | None:
    if syntax is Syntax.javascript:
        return Language(tree_sitter_javascript.language())
    if syntax is Syntax.typescript:
        return Language(tree_sitter_typescript.language_typescript())
    return None


def js_tree(runtime: str, code: str) -> Tree | None:
    """The tree-sitter tree of a JavaScript-family runtime's code; None for other (or unknown) runtimes."""
    row = runtimes.RUNTIMES.get(runtime)
    language = _language(row.syntax) if row else None
    return Parser(language).parse(code.encode()) if language else None


def syntax_problem(runtime: str, code: str) -> SyntaxProblem | None:
    """Where the code stops parsing, or None when it parses."""
    if runtimes.row(runtime).syntax is Syntax.python:
        return _python_problem(code)
    tree = js_tree(runtime, code)
    if tree is None or not tree.root_node.has_error:
        return None
    node = _first_error(tree.root_node)
    if node is None:  # has_error without an ERROR or MISSING node: not seen, but say something true
        return SyntaxProblem(1, 1, "the code does not parse")
    row, byte_column = node.start_point
    line = code.encode().split(b"\n")[row] if row < code.count("\n") + 1 else b""
    column = len(line[:byte_column].decode(errors="ignore")) + 1
    return SyntaxProblem(row + 1, column, _describe(node))


def _first_error(node: Node) -> Node | None:
    """The first ERROR or MISSING node in source order, depth first."""
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _describe(node: Node) -> str:
    if node.is_missing:
        return f"missing `{node.type}`"
    leaf = node
    while leaf.children:
        leaf = leaf.children[0]
    text = (leaf.text or b"").decode(errors="replace").splitlines()[0:1]
    token = text[0][:SHOWN_TOKEN_CHARS] if text else ""
    return f"unexpected `{token}`" if token.strip() else "unexpected end of input"


def _python_problem(code: str) -> SyntaxProblem | None:
    try:
        compile(code, "handler.py", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return SyntaxProblem(exc.lineno or 1, exc.offset or 1, exc.msg)
    except ValueError as exc:  # NUL bytes in the source
        return SyntaxProblem(1, 1, str(exc))
    except (RecursionError, MemoryError):
        return SyntaxProblem(1, 1, "the code is nested too deeply to parse")
    return None
