"""Every non-success answer under /api/v1 has the one error shape, whoever produced it."""

import uuid

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from app.api.v1 import errors
from tests.api.helpers import assert_error


def test_unknown_routes_and_wrong_methods(alice):
    body = assert_error(alice.http.get("/no/such/thing"), 404, "not_found")
    assert "/api/v1/no/such/thing" in body["message"]
    r = alice.http.delete("/scripts")
    assert_error(r, 405, "method_not_allowed")
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize(
    "method,path,kwargs,fragment",
    [
        ("POST", "/scripts", {"json": {"name": "x", "runtime": "ruby", "code": ""}}, "runtime"),
        ("POST", "/scripts", {"json": {"name": "x", "runtime": "node"}}, "code: Field required"),
        ("POST", "/scripts", {"json": {"name": "x", "runtime": "node", "code": "", "colour": "red"}}, "colour"),
        ("POST", "/scripts", {"json": {"name": "x", "runtime": "node", "code": "", "timeout_seconds": 901}}, "900"),
        ("POST", "/scripts", {"json": {"name": "x", "runtime": "node", "code": "a\u0000b"}}, "NUL"),
        ("POST", "/scripts", {"content": b"{not json", "headers": {"content-type": "application/json"}}, "JSON"),
        ("POST", "/scripts", {"json": [1, 2]}, "dictionary"),
        ("GET", "/scripts/not-a-uuid", {}, "script_id"),
        ("GET", "/runs?limit=0", {}, "limit"),
        ("GET", "/runs?status=finished", {}, "status"),
        (
            "POST",
            "/tryout",
            {
                "content": '{"runtime": "python", "code": "", "event": {"x": [Infinity]}}',
                "headers": {"content-type": "application/json"},
            },
            "finite",
        ),
    ],
)
def test_invalid_requests_get_422_with_a_readable_message(alice, method, path, kwargs, fragment):
    body = assert_error(alice.http.request(method, path, **kwargs), 422, "invalid_request")
    assert fragment in body["message"]


def test_service_validation_messages_come_through(alice):
    body = assert_error(
        alice.http.post(
            "/scripts", json={"name": "x", "runtime": "node", "code": "", "dependencies": ["git+https://evil/x"]}
        ),
        422,
    )
    assert "invalid npm package name" in body["message"]
    body = assert_error(
        alice.http.post("/scripts", json={"name": "x", "runtime": "node", "code": "", "secrets": ["1BAD"]}), 422
    )
    assert "invalid secret name '1BAD'" in body["message"]


def test_a_body_over_8_mib_is_refused_with_413(alice):
    big = b'{"event": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    assert_error(
        alice.http.post(f"/scripts/{uuid.uuid4()}/runs", content=big, headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )

    def chunks():  # no content-length: counted as it arrives
        for _ in range(9):
            yield b"x" * (1024 * 1024)

    assert_error(
        alice.http.post("/tryout", content=chunks(), headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )


def test_an_unexpected_exception_is_a_500_without_details():
    app = FastAPI()
    errors.install(app, [])

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal", "message": "an internal error occurred; it has been logged"}


def test_the_openapi_document_is_served_and_describes_errors(anonymous):
    doc = anonymous.get("/openapi.json").json()
    assert doc["info"]["title"] == "Runpad API"
    paths = {"/scripts", "/runs", "/runs/{run_id}/logs", "/tryout", "/secrets/{name}", "/auth/token"}
    assert paths <= set(doc["paths"])
    responses = doc["paths"]["/scripts/{script_id}"]["get"]["responses"]
    assert responses["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert "HTTPValidationError" not in doc["components"]["schemas"]
