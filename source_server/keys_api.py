"""``GET /api/v1/keys``: the public key devices verify commands with. Public: it is not secret, and vendors
provisioning devices need it without an account on the server."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from source_server.deps import SignerDep
from source_server.keys import public_key_document

router = APIRouter()
PEM_TYPE = "application/x-pem-file"


class ServerKey(BaseModel):
    """The server's command-signing public key: provision a device with ``kid`` → ``public_key``."""

    kid: str
    alg: Literal["Ed25519"]
    public_key: str
    """The 32 raw bytes of the Ed25519 public key, base64url without padding."""
    pem: str
    """The same key as a PEM SubjectPublicKeyInfo."""


@router.get(
    "/keys",
    response_model=ServerKey,
    responses={200: {"content": {PEM_TYPE: {"schema": {"type": "string"}}}}},
)
def get_keys(
    signer: SignerDep,
    format: Annotated[Literal["json", "pem"] | None, Query(description="pem: the PEM alone")] = None,
    accept: Annotated[str, Header()] = "",
) -> ServerKey | PlainTextResponse:
    """The public key devices trust for commands (JSON; PEM with ``?format=pem`` or ``Accept: application/x-pem-file``)."""
    document = public_key_document(signer)
    if format == "pem" or (format is None and PEM_TYPE in accept):
        return PlainTextResponse(document["pem"], media_type=PEM_TYPE)
    return ServerKey.model_validate(document)
