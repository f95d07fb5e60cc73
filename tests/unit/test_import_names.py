"""The table from Python import names to PyPI distributions: every entry is a well-formed import
name mapped to a valid distribution name, none maps a name to itself or shadows the standard
library, and where the distribution is installed here it really provides that module."""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata

import pytest
from packaging.utils import canonicalize_name

from app.services.imports import DATA, python_distribution, python_import_names

TABLE = python_import_names()
INSTALLED = metadata.packages_distributions()  # top-level module -> distributions that provide it
_DISTRIBUTION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")  # PEP 508 names


def test_the_table_is_sorted_and_has_the_common_ones():
    raw = json.loads((DATA / "python_import_names.json").read_text())["names"]
    assert list(raw) == sorted(raw)
    assert len(TABLE) >= 40
    for name, dist in {
        "yaml": "PyYAML",
        "bs4": "beautifulsoup4",
        "PIL": "Pillow",
        "cv2": "opencv-python-headless",
        "sklearn": "scikit-learn",
        "dateutil": "python-dateutil",
        "jwt": "PyJWT",
        "dotenv": "python-dotenv",
        "google.protobuf": "protobuf",
        "Crypto": "pycryptodome",
        "OpenSSL": "pyOpenSSL",
        "magic": "python-magic",
        "docx": "python-docx",
        "pptx": "python-pptx",
        "serial": "pyserial",
        "usb": "pyusb",
        "attr": "attrs",
    }.items():
        assert TABLE[name] == dist


@pytest.mark.parametrize(("name", "distribution"), sorted(TABLE.items()))
def test_entry(name, distribution):
    assert all(part.isidentifier() for part in name.split(".")), name
    assert _DISTRIBUTION.match(distribution), distribution
    # without the entry the top-level name would be the distribution: an entry must change that
    assert canonicalize_name(distribution) != canonicalize_name(name.split(".")[0]), "an entry that changes nothing"
    assert name.split(".")[0] not in sys.stdlib_module_names
    assert python_distribution(name) == distribution
    assert python_distribution(f"{name}.submodule") == distribution
    providers = INSTALLED.get(name) if "." not in name else None
    if providers:  # installed here: the distribution named must be one that provides the module
        assert canonicalize_name(distribution) in {canonicalize_name(p) for p in providers}
