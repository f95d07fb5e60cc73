"""CloudWatch configuration: what is stored, what is shown, and that the secret never comes back."""

from __future__ import annotations

import pytest

from app.core.db import session
from app.integrations import cloudwatch
from app.integrations.cloudwatch import ConfigError
from app.models import AppSetting

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture(autouse=True)
def unconfigured():
    cloudwatch.disable()
    yield
    cloudwatch.disable()


def test_config_never_returns_the_secret_and_stores_it_encrypted():
    shown = cloudwatch.configure("eu-west-1", "/runpad/logs", access_key_id="AKIAEXAMPLE", secret_access_key=SECRET)
    assert shown == {
        "region": "eu-west-1",
        "log_group": "/runpad/logs",
        "endpoint_url": None,
        "access_key_id": "AKIAEXAMPLE",
        "has_secret_access_key": True,
    }
    assert SECRET not in repr(cloudwatch.config()) and SECRET not in repr(cloudwatch.target())
    assert cloudwatch.target().secret_access_key == SECRET  # the shipper gets it
    with session() as s:
        row = s.get(AppSetting, cloudwatch.KEY)
    assert SECRET.encode() not in row.secret and SECRET not in repr(row.value)


def test_resaving_the_same_key_id_keeps_the_secret_but_a_new_key_needs_one():
    cloudwatch.configure("eu-west-1", "/runpad/logs", access_key_id="AKIAEXAMPLE", secret_access_key=SECRET)
    cloudwatch.configure("eu-west-2", "/runpad/other", access_key_id="AKIAEXAMPLE")
    assert cloudwatch.target() == cloudwatch.Target("eu-west-2", "/runpad/other", None, "AKIAEXAMPLE", SECRET)
    with pytest.raises(ConfigError, match="secret"):
        cloudwatch.configure("eu-west-2", "/runpad/other", access_key_id="AKIANEWKEY")
    assert cloudwatch.target().access_key_id == "AKIAEXAMPLE"


def test_without_a_key_the_default_credential_chain_is_used_and_the_old_secret_dropped():
    cloudwatch.configure("eu-west-1", "/runpad/logs", access_key_id="AKIAEXAMPLE", secret_access_key=SECRET)
    shown = cloudwatch.configure("us-east-1", "/runpad/logs", endpoint_url="http://127.0.0.1:4566")
    assert shown["has_secret_access_key"] is False and shown["access_key_id"] is None
    assert cloudwatch.target() == cloudwatch.Target("us-east-1", "/runpad/logs", "http://127.0.0.1:4566")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"region": "Ireland", "log_group": "g"}, "region"),
        ({"region": "eu-west-1", "log_group": "bad:name"}, "log group"),
        ({"region": "eu-west-1", "log_group": "g", "endpoint_url": "127.0.0.1:1"}, "endpoint_url"),
        ({"region": "eu-west-1", "log_group": "g", "secret_access_key": SECRET}, "access key id"),
        ({"region": "eu-west-1", "log_group": "g", "access_key_id": "AKIANEW"}, "secret"),
    ],
)
def test_bad_configurations_are_refused_and_nothing_is_stored(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        cloudwatch.configure(**kwargs)
    assert cloudwatch.config() is None and cloudwatch.target() is None


def test_disabled_means_nothing_is_shipped():
    from workers.shipping import Shipper

    assert Shipper().ship_pending() is None
