"""Saved scripts: versions, restore, trigger changes, limits and deletion."""

import uuid

import pytest

from app.core.db import session
from app.services import logs, runs, scripts
from tests.support.actors import acting
from tests.support.scripts import built_script
from workers import engine

pytestmark = pytest.mark.usefixtures("docker_ready")
CODE = "export default () => 'v1';"


def test_code_changes_make_versions_and_restore_rolls_back():
    saved = scripts.create(acting(), f"s-{uuid.uuid4()}", "node", CODE)
    v2 = scripts.update(acting(), saved.script.id, {"code": "export default () => 'v2';"})
    assert v2.version.number == 2
    same = scripts.update(acting(), saved.script.id, {"name": "renamed", "timeout_seconds": 5})
    assert same.version.number == 2 and same.script.name == "renamed" and same.script.timeout_seconds == 5
    restored = scripts.restore(acting(), saved.script.id, 1)
    assert restored.version.number == 3 and restored.version.code == CODE
    assert [v.number for v in scripts.list_versions(acting(), saved.script.id)] == [3, 2, 1]
    with pytest.raises(scripts.NotFound):
        scripts.restore(acting(), saved.script.id, 9)


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": 901}, "timeout_seconds"),
        ({"memory_mb": 63}, "memory_mb"),
        ({"memory_mb": 4097}, "memory_mb"),
        ({"name": ""}, "name"),
        ({"trigger": {"type": "cron"}}, "trigger.type"),
        ({"trigger": {"type": "http", "http_auth": "basic"}}, "http_auth"),
        ({"dependencies": ["left-pad@$(id)"]}, "invalid npm"),
        ({"owner": "x"}, "unknown field"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(changes, message):
    saved = scripts.create(acting(), f"s-{uuid.uuid4()}", "node", CODE)
    with pytest.raises(scripts.ScriptError, match=message):
        scripts.update(acting(), saved.script.id, changes)
    again = scripts.get(acting(), saved.script.id)
    assert (again.name, again.timeout_seconds, again.memory_mb, again.current_version) == (
        saved.script.name,
        saved.script.timeout_seconds,
        saved.script.memory_mb,
        1,
    )


def test_owners_do_not_see_each_others_scripts():
    from app.services import users

    a = users.create(f"a-{uuid.uuid4().hex[:6]}@x.io", "password-a-1")
    b = users.create(f"b-{uuid.uuid4().hex[:6]}@x.io", "password-b-1")
    saved = scripts.create(acting(a), f"s-{uuid.uuid4()}", "node", CODE)
    assert scripts.get(acting(a), saved.script.id).id == saved.script.id
    for call in (
        lambda: scripts.get(acting(b), saved.script.id),
        lambda: scripts.delete(acting(b), saved.script.id),
        lambda: scripts.update(acting(b), saved.script.id, {"name": "x"}),
    ):
        with pytest.raises(scripts.NotFound):
            call()


def test_deleting_a_script_removes_its_runs_and_their_logs():
    saved = built_script(acting(), f"s-{uuid.uuid4()}", "python", "print('kept?')\n")
    with session() as s:
        run = runs.create(s, saved.version, "manual", None, script=saved.script)
        s.commit()
    engine.execute_run(run.id)
    assert [ln.line for ln in logs.read("run", run.id)] == ["kept?"]
    scripts.delete(acting(), saved.script.id)
    assert runs.get(run.id) is None and logs.read("run", run.id) == []
