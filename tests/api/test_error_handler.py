"""GET/PUT /api/v1/settings/error-handler (contract §4): the workspace's admins name one of its
scripts, or null; any member reads it; another workspace's script is not found."""

from __future__ import annotations

from app.models import Role
from app.services import scripts, users
from tests.api.conftest import new_user as api_user
from tests.support.actors import in_workspace, shared_workspace

NODE = "export default (event) => event.body;"


def test_admins_name_the_handler_members_read_it(base_url):
    admin, operator, outsider = api_user(base_url), api_user(base_url), api_user(base_url)
    slug = shared_workspace(users.get(admin.id), [(users.get(operator.id), Role.operator)])
    saved = scripts.create(in_workspace(users.get(admin.id), slug), "pager", "node", NODE)
    theirs = outsider.http.post("/scripts", json={"name": "x", "runtime": "node", "code": NODE}).json()
    team = {"x-runpad-workspace": slug}

    assert admin.http.get("/settings/error-handler", headers=team).json() == {"script_id": None, "script_name": None}
    r = admin.http.put("/settings/error-handler", json={"script_id": str(saved.script.id)}, headers=team)
    assert r.status_code == 200 and r.json() == {"script_id": str(saved.script.id), "script_name": "pager"}
    assert operator.http.get("/settings/error-handler", headers=team).json()["script_name"] == "pager"
    r = operator.http.put("/settings/error-handler", json={"script_id": None}, headers=team)
    assert r.status_code == 403
    r = admin.http.put("/settings/error-handler", json={"script_id": theirs["id"]}, headers=team)
    assert r.status_code == 404
    assert admin.http.put("/settings/error-handler", json={"script_id": "nope"}, headers=team).status_code == 422
    r = admin.http.put("/settings/error-handler", json={"script_id": None}, headers=team)
    assert r.json() == {"script_id": None, "script_name": None}
