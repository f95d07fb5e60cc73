"""python -m app.cli rotate-key: every stored credential moves to the new key in one transaction, or none does."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from app import cli
from app.core import crypto
from app.core.db import session
from app.core.settings import settings
from app.integrations import infisical
from app.models import AppSetting, Secret
from app.services import app_settings, keys, secrets
from tests.integration.helpers import tryout
from tests.secrets.support import CLIENT_SECRET, PY_DIGESTS, digest, use_infisical
from tests.support.actors import acting, new_user

NEW_KEY = "rotated-key-" + uuid.uuid4().hex
ROOT = Path(__file__).resolve().parents[2]


def _ciphertexts() -> dict[str, bytes]:
    """Every encrypted value by row: a secret name is one secret in each workspace that has it."""
    with session() as s:
        rows = {f"secret {i}": ct for i, ct in s.execute(select(Secret.id, Secret.ciphertext))}
        rows |= {f"setting {k}": ct for k, ct in s.execute(select(AppSetting.key, AppSetting.secret)) if ct is not None}
    return rows


def _decrypts(key: str, ciphertext: bytes) -> bool:
    try:
        crypto.fernet(key).decrypt(ciphertext)
        return True
    except InvalidToken:
        return False


def _rotate_command(new_key: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "rotate-key", "--new-key", new_key],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"RUNPAD_SECRET_KEY": settings.secret_key},
    )


@pytest.mark.usefixtures("docker_ready")
def test_rotate_key_reencrypts_everything_and_runs_still_get_their_secrets(monkeypatch):
    old_key = settings.secret_key
    secrets.put(acting(), "RUNPAD_ROTATED", "before-and-after")
    use_infisical("https://infisical.example.com")
    before = _ciphertexts()
    try:
        done = _rotate_command(NEW_KEY)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(
            f"re-encrypted {sum(k.startswith('secret ') for k in before)} secret(s) "
            f"and {sum(k.startswith('setting ') for k in before)} setting credential(s) under the new key"
        )
        after = _ciphertexts()
        assert after.keys() == before.keys()
        assert not any(_decrypts(old_key, ct) for ct in after.values())
        assert all(_decrypts(NEW_KEY, ct) for ct in after.values())
        again = _rotate_command(NEW_KEY)  # the operator forgot to switch the key
        assert again.returncode == 1 and "already decrypt with the new key" in again.stderr
        assert infisical.test_connection() == (
            False,
            "the stored Infisical client secret does not decrypt with the current RUNPAD_SECRET_KEY",
        )

        monkeypatch.setattr(settings, "secret_key", NEW_KEY)
        assert app_settings.get(infisical.SETTING)[1] == CLIENT_SECRET
        run = tryout("python", PY_DIGESTS, secret_names=["RUNPAD_ROTATED"], body=["RUNPAD_ROTATED"])
        assert run.status == "succeeded" and run.result == {"RUNPAD_ROTATED": digest("before-and-after")}
    finally:
        if not all(_decrypts(old_key, ct) for ct in _ciphertexts().values()):
            monkeypatch.setattr(settings, "secret_key", NEW_KEY)
            keys.rotate(old_key)  # back, so the rest of the suite reads its rows
        monkeypatch.setattr(settings, "secret_key", old_key)
        secrets.remove(acting(), "RUNPAD_ROTATED")


def test_rotate_key_changes_nothing_when_a_row_does_not_decrypt(capsys):
    secrets.put(acting(), "RUNPAD_FINE", "fine")
    with session() as s:
        s.add(
            Secret(
                workspace_id=acting().workspace_id,
                name="RUNPAD_FOREIGN",
                ciphertext=Fernet(Fernet.generate_key()).encrypt(b"x"),
            )
        )
        s.commit()
    before = _ciphertexts()
    try:
        assert cli.main(["app.cli", "rotate-key", "--new-key", NEW_KEY]) == 1
        complaint = capsys.readouterr().err
        assert "do not decrypt with the current RUNPAD_SECRET_KEY: secret RUNPAD_FOREIGN" in complaint
        assert "nothing was changed" in complaint
        assert _ciphertexts() == before
        with pytest.raises(secrets.SecretError, match="RUNPAD_FOREIGN does not decrypt with the current"):
            secrets.resolve(acting().workspace_id, ["RUNPAD_FOREIGN"])
    finally:
        secrets.remove(acting(), "RUNPAD_FOREIGN")
        secrets.remove(acting(), "RUNPAD_FINE")


@pytest.mark.parametrize(
    "new_key, complaint",
    [
        ("short", "16 or more characters"),
        ("dev-only-insecure-secret-key", "development placeholder"),
        (None, "is the current RUNPAD_SECRET_KEY"),
    ],
)
def test_rotate_key_refuses_a_weak_or_unchanged_key(new_key, complaint):
    with pytest.raises(keys.KeyRotationError, match=complaint):
        keys.rotate(new_key or settings.secret_key)


def test_one_name_in_two_workspaces_keeps_each_workspaces_value(monkeypatch):
    """Rotation re-encrypts row by row: with names keyed alone, one workspace's value was written
    into the other's row."""
    a, b = acting(new_user("rotate")), acting(new_user("rotate"))
    secrets.put(a, "RUNPAD_SAME_NAME", "value of a")
    secrets.put(b, "RUNPAD_SAME_NAME", "value of b")
    old_key = settings.secret_key
    try:
        keys.rotate(NEW_KEY)
        monkeypatch.setattr(settings, "secret_key", NEW_KEY)
        assert secrets.resolve(a.workspace_id, ["RUNPAD_SAME_NAME"]) == {"RUNPAD_SAME_NAME": "value of a"}
        assert secrets.resolve(b.workspace_id, ["RUNPAD_SAME_NAME"]) == {"RUNPAD_SAME_NAME": "value of b"}
        keys.rotate(old_key)  # back, so the rest of the suite reads its rows
    finally:
        monkeypatch.setattr(settings, "secret_key", old_key)
        secrets.remove(a, "RUNPAD_SAME_NAME")
        secrets.remove(b, "RUNPAD_SAME_NAME")
