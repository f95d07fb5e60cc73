"""Why a dependency install failed, in a line a person can act on: the package that failed, when the
package manager's output names it, and the package manager's own words, trimmed. One reader per
ecosystem, as the runtime table keys package handling (app/core/runtimes.py); the whole output stays
in the build log."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from app.core.runtimes import Ecosystem

MAX_QUOTE = 300
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# an npm package name, scoped or not, as it appears before "@version"
NPM_NAME = r"(?P<package>(?:@[^/\s'@]+/)?[^/\s'@]+)"
PYPI_NAME = r"(?P<package>[A-Za-z0-9][A-Za-z0-9._-]*)"


@dataclass(frozen=True)
class Said:
    """What the package manager said: the line that says why (or the first lines), and the package it names."""

    quote: str
    package: str | None


def _trimmed(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


# npm prints its error as "npm error <tag> <text>" lines ("npm ERR!" before npm 10): "code E404" first,
# then lines tagged with a word of that code ("404", "notarget"), npm's advice, where its debug log is, and
# for a failed install script that script's output (stack frames left out).
NPM_LINE = re.compile(r"^npm (?:error|ERR!)\s?(?P<text>.*)$")
NPM_NOISE = re.compile(r"^\S*$|^code |^at |^A complete log of this run can be found in")
NPM_TAG = re.compile(r"^(?:404|notarget)\s+")
NPM_WHY = [
    re.compile(rf"'{NPM_NAME}@[^']*' is not in this registry"),  # E404
    re.compile(rf"No matching version found for {NPM_NAME}@"),  # ETARGET
]
NPM_SCRIPT = re.compile(rf"^path \S*/node_modules/{NPM_NAME}$")  # an install script failed: its package's folder


def _npm(lines: list[str]) -> Said | None:
    said = [m.group("text").strip() for line in lines if (m := NPM_LINE.match(line))]
    code = next((text.removeprefix("code ") for text in said if text.startswith("code ")), "")
    told = [text for text in said if not NPM_NOISE.search(text)]
    if not told:
        return None
    for text in told:
        for pattern in NPM_WHY:
            if found := pattern.search(text):
                return Said(_trimmed(f"{code} {NPM_TAG.sub('', text)}"), found.group("package"))
    script = next((found.group("package") for text in told if (found := NPM_SCRIPT.search(text))), None)
    return Said(_trimmed(" · ".join(([f"code {code}"] if code else []) + told)), script)


# uv prints "  × <summary>", then its reasons as "  ╰─▶ ..." / "  ├─▶ ..." with wrapped lines indented.
UV_START = re.compile(r"^\s*(?:×|error:)\s*")
UV_DECORATION = re.compile(r"^[\s│├╰─▶]*")
UV_WHY = [
    re.compile(rf"Because {PYPI_NAME} was not found in the package registry"),
    re.compile(rf"there is no version of {PYPI_NAME}"),
    re.compile(rf"{PYPI_NAME} was not found in the provided package locations"),
    re.compile(rf"Failed to (?:build|download|fetch|prepare distributions for|resolve)[^`]*`{PYPI_NAME}"),
]


def _uv(lines: list[str]) -> Said | None:
    start = next((i for i, line in enumerate(lines) if UV_START.match(line)), None)
    if start is None:
        return None
    block = [UV_DECORATION.sub("", UV_START.sub("", line, count=1)) for line in lines[start:]]
    text = " ".join(part for part in block if part)
    package = next((found.group("package") for pattern in UV_WHY if (found := pattern.search(text))), None)
    return Said(_trimmed(text), canonicalize_name(package) if package else None)


READERS = {Ecosystem.npm: ("npm", _npm), Ecosystem.pypi: ("uv", _uv)}


def explain(ecosystem: Ecosystem, failed: str, output: list[str], requested: dict[str, str]) -> str:
    """The build's error: `failed` (how the install step ended) with what its output says. `requested`
    maps package names to the specs the script asked for, so a package it asked for is named as asked."""
    tool, read = READERS[ecosystem]
    said = read([ANSI.sub("", line) for line in output])
    if said is None:
        return failed
    if said.package is None:
        return f"{failed}; {tool} says: {said.quote}"
    package = requested.get(said.package, said.package)
    return f"{tool} could not install {package}: {said.quote}"
