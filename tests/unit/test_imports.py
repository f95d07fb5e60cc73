"""Import detection's first half: which registry packages a handler's code imports, in every form
the contract lists, with built-ins, relative paths and type-only imports left out."""

from __future__ import annotations

import pytest

from app.services.imports import found_in, npm_package, python_distribution


def packages(runtime: str, code: str) -> list[str]:
    return [i.package for i in found_in(runtime, code).imports]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('import dayjs from "dayjs";', ["dayjs"]),
        ('import { a, b } from "lodash-es";', ["lodash-es"]),
        ("import * as ns from 'ns-pkg';", ["ns-pkg"]),
        ('import "side-effect";', ["side-effect"]),
        ('export * from "re-exported";', ["re-exported"]),
        ('export { x } from "named-re-export";', ["named-re-export"]),
        ('const m = await import("dynamic");', ["dynamic"]),
        ('const r = require("common");', ["common"]),
        ("const t = require(`template`);", ["template"]),
        ('function f() { if (x) { return require("nested"); } }', ["nested"]),
    ],
)
def test_each_javascript_form(code, expected):
    assert packages("node", code) == expected


def test_computed_specifiers_are_not_guessed():
    code = 'const a = require(name); const b = await import(`x-${v}`); const c = require("lo" + "dash");'
    assert packages("node", code) == []


def test_builtins_relative_paths_and_urls_are_ignored():
    code = """
import fs from "fs";
import { readFile } from "node:fs/promises";
import p from "fs/promises";
import path from "path";
import test from "node:test";
import events from "events";
import here from "./here.js";
import up from "../up.mjs";
import abs from "/abs/x.js";
import internal from "#internal";
import remote from "https://esm.sh/lodash";
const cp = require("child_process");
"""
    assert packages("node", code) == []


def test_subpaths_and_scopes_reduce_to_the_package():
    code = """
import fp from "lodash/fp";
import sub from "@scope/pkg/sub/deep.js";
import top from "@scope/other";
const p = require("punycode/");  // the npm package, not the built-in
"""
    assert packages("node", code) == ["lodash", "@scope/pkg", "@scope/other", "punycode"]


def test_each_package_once_in_source_order():
    assert packages("node", 'import a from "b"; import c from "a"; const d = require("b/x");') == ["b", "a"]


def test_typescript_type_only_imports_are_erased():
    code = """
import type { Config } from "types-only";
import { type A, type B } from "all-types";
export type { C } from "type-re-export";
import { type D, value } from "mixed";
import fs = require("ts-require");
import type old = require("type-require");
"""
    assert packages("typescript", code) == ["mixed", "ts-require"]


def test_commonjs_module_with_requires():
    code = """
const axios = require("axios");
const { v4 } = require("uuid");
exports.handler = async (event) => ({ ok: !!axios && !!v4 });
"""
    assert packages("node", code) == ["axios", "uuid"]


def test_javascript_requires_comment_overrides_its_line_and_adds_alone():
    code = """
import moment from "moment"; // requires: moment@2.29.4
// requires: left-pad@1.3.0, is-odd
import dayjs from "dayjs";
"""
    found = found_in("node", code)
    assert [i.package for i in found.imports] == ["dayjs"]
    assert found.required == ["moment@2.29.4", "left-pad@1.3.0", "is-odd"]


def test_python_forms():
    code = """
import os, sys, json
from __future__ import annotations
import requests
import numpy as np
from yaml import safe_load
from bs4 import BeautifulSoup
import google.protobuf.json_format
from google.cloud import storage
from . import sibling
from .pkg import thing
import importlib
mod = importlib.import_module("PIL.Image")
other = __import__("sklearn")
def handler(event, ctx):
    import dateutil.parser
    return 1
"""
    assert packages("python", code) == [
        "requests",
        "numpy",
        "PyYAML",
        "beautifulsoup4",
        "protobuf",
        "google-cloud-storage",
        "Pillow",
        "scikit-learn",
        "python-dateutil",
    ]


def test_python_requires_comment():
    code = "import yaml  # requires: PyYAML==6.0.1\nimport cv2\n# requires: extra-lib==2.0\n"
    found = found_in("python", code)
    assert [i.package for i in found.imports] == ["opencv-python-headless"]
    assert found.required == ["PyYAML==6.0.1", "extra-lib==2.0"]


def test_code_that_does_not_parse_finds_nothing_in_python():
    assert packages("python", "import requests\ndef (:\n") == []


def test_unknown_runtime_finds_nothing():
    assert packages("cobol", 'import x from "y"') == []


def test_name_rules():
    assert npm_package("node:crypto") is None
    assert npm_package("@scope") is None
    assert npm_package("assert/strict") is None
    assert npm_package("react-dom/client") == "react-dom"
    assert python_distribution("asyncio.subprocess") is None
    assert python_distribution("google.cloud.bigquery.table") == "google-cloud-bigquery"
    assert python_distribution("somethingelse.sub") == "somethingelse"
