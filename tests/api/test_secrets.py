"""The secret store through the API: names and providers listed, values set and deleted, never read;
each workspace has its own."""

import uuid

from app.services import secrets
from tests.api.helpers import assert_error
from tests.support.actors import acting


def test_put_list_and_delete_a_secret_without_its_value_ever_coming_back(alice, bob):
    name = f"KEY_{uuid.uuid4().hex[:8].upper()}"
    assert alice.http.put(f"/secrets/{name}", json={"value": "s3cret-value"}).status_code == 204
    assert secrets.resolve(acting(alice.id).workspace_id, [name]) == {name: "s3cret-value"}
    listed = alice.http.get("/secrets")
    assert {"name": name, "provider": "store"} in listed.json()
    assert "s3cret-value" not in listed.text
    assert name not in [s["name"] for s in bob.http.get("/secrets").json()]  # bob's workspace has its own
    assert secrets.resolve(acting(alice.id).workspace_id, [name]) == {name: "s3cret-value"}
    assert alice.http.put(f"/secrets/{name}", json={"value": "replaced"}).status_code == 204
    assert secrets.resolve(acting(alice.id).workspace_id, [name]) == {name: "replaced"}
    assert alice.http.delete(f"/secrets/{name}").status_code == 204
    assert name not in [s["name"] for s in alice.http.get("/secrets").json()]
    assert_error(alice.http.delete(f"/secrets/{name}"), 404, "not_found")


def test_bad_names_and_values_are_refused(alice):
    body = assert_error(alice.http.put("/secrets/1BAD", json={"value": "x"}), 422, "invalid_request")
    assert "invalid secret name" in body["message"]
    assert_error(alice.http.put("/secrets/GOOD", json={"value": ""}), 422, "invalid_request")
    assert_error(alice.http.put("/secrets/GOOD", json={}), 422, "invalid_request")
    assert_error(alice.http.delete("/secrets/no%00such"), 404, "not_found")
