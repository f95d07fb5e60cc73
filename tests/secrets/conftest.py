"""Fixtures for the secret tests: a local Infisical the real SDK talks to, and no configuration left behind."""

from __future__ import annotations

import pytest

from app.integrations import infisical
from tests.integration.infisical_server import FakeInfisical
from tests.secrets.support import CLIENT_ID, CLIENT_SECRET, ENV, PROJECT


@pytest.fixture
def fake():
    with FakeInfisical() as api:
        api.add_identity(CLIENT_ID, CLIENT_SECRET)
        api.add_folder(PROJECT, ENV, "/")
        yield api


@pytest.fixture(autouse=True)
def no_infisical_afterwards():
    yield
    infisical.unconfigure()
