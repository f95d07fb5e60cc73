"""Secrets: one set for the whole installation. Names and providers (the built-in store and, when
configured, Infisical) are listed; values are set and deleted in the built-in store, never read back."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.api.v1.deps import CurrentAccess
from app.api.v1.errors import documented
from app.api.v1.schemas import SecretOut, SecretPut
from app.core import errors
from app.services import secrets

router = APIRouter(prefix="/secrets", tags=["secrets"])


@router.get("", response_model=list[SecretOut], responses=documented(401, 404, 422, 503))
def list_secrets(access: CurrentAccess) -> list[SecretOut]:
    """Every secret by name; a name both providers have is listed twice, the one runs get first."""
    return [SecretOut(name=name, provider=provider) for name, provider in secrets.list_all(access)]


@router.put("/{name}", status_code=204, responses=documented(401, 403, 404, 422))
def put_secret(name: str, body: SecretPut, access: CurrentAccess) -> Response:
    """Creates or replaces the secret `name` (letters, digits and _, not starting with a digit)."""
    secrets.put(access, name, body.value)
    return Response(status_code=204)


@router.delete("/{name}", status_code=204, responses=documented(401, 403, 404, 422))
def delete_secret(name: str, access: CurrentAccess) -> Response:
    if not secrets.NAME.match(name) or not secrets.remove(access, name):
        raise errors.NotFound(f"no secret {name!r}")
    return Response(status_code=204)
