"""The environment variables a handler reads, as the editor's warning finds them."""

from __future__ import annotations

from app.views.env_reads import read_names, unticked_secrets

NODE = """
const key = process.env.API_KEY;
const other = process.env["OTHER_KEY"], third = process.env[ 'THIRD' ];
const dynamic = process.env[name];  // built at run time: not seen
// process.envelope is not an env read
"""
PYTHON = """
import os
a = os.environ["API_KEY"]
b = os.environ.get('OTHER_KEY', "default")
c = os.getenv( "THIRD")
d = os.environ[name]
"""


def test_node_reads():
    assert read_names("node", NODE) == ["API_KEY", "OTHER_KEY", "THIRD"]


def test_python_reads():
    assert read_names("python", PYTHON) == ["API_KEY", "OTHER_KEY", "THIRD"]


def test_only_secrets_that_exist_and_are_not_ticked_are_reported():
    assert unticked_secrets("node", NODE, {"API_KEY", "THIRD", "UNRELATED"}, {"THIRD"}) == ["API_KEY"]
    assert unticked_secrets("python", PYTHON, set(), set()) == []  # not secrets: plain variables


def test_no_code_reads_nothing():
    assert read_names("python", "") == [] and read_names("node", "export default () => 1;") == []
