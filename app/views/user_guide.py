"""The user guide the Help page shows: the README's sections on using Runpad, taken from this
installation's own README, so it matches the installed version and needs no internet."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
# the README's "## " sections written for people using the IDE
GUIDE_SECTIONS = ("In the browser", "Teams", "The command line: scripts in a folder, and in Git")


def sections(markdown: str, titles: tuple[str, ...] = GUIDE_SECTIONS) -> str:
    """The `## ` sections named by titles (each up to the next `## ` or `# ` heading), in README order."""
    kept: list[str] = []
    keeping = fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced  # a "# comment" in a shell example is no heading
        elif not fenced and line.startswith(("# ", "## ")):
            keeping = line.startswith("## ") and line[3:].strip() in titles
        if keeping:
            kept.append(line)
    return "\n".join(kept).strip() + "\n"


def user_guide() -> str:
    return sections(README.read_text(encoding="utf-8"))
