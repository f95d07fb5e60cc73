"""The Help page's user guide: the README's sections on using Runpad, whole, and nothing else."""

from __future__ import annotations

from app.views.user_guide import GUIDE_SECTIONS, README, sections, user_guide

SAMPLE = """# Runpad
intro
## Install
```sh
# not a heading
```
## In the browser
Open the URL.
```sh
# a comment in an example
## nor this
```
still in the browser section
## Configuration
RUNPAD_X
## Teams
Workspaces.
"""


def test_the_named_sections_are_kept_whole_in_readme_order():
    got = sections(SAMPLE, ("Teams", "In the browser"))
    assert got.startswith("## In the browser\nOpen the URL.")
    assert "# a comment in an example\n## nor this" in got and "still in the browser section" in got
    assert got.endswith("## Teams\nWorkspaces.\n")
    assert "Install" not in got and "RUNPAD_X" not in got and "intro" not in got


def test_the_readme_has_every_guide_section():
    readme = README.read_text()
    for title in GUIDE_SECTIONS:
        assert f"\n## {title}\n" in readme, f"README.md has no '## {title}' section for the Help page"
    guide = user_guide()
    assert "Ctrl/Cmd+S" in guide and "## Configuration" not in guide
