"""Fixtures for integration tests that need a private test host on this machine."""

import pytest

from tests.integration.nethost import NetHost


@pytest.fixture
def test_host(docker_ready):
    with NetHost() as host:
        yield host
