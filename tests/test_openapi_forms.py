"""Every multipart route of the API documents its fields in /openapi.json (a vendor once learnt the fields of
``POST /api/v1/broadcasts`` from its error messages)."""

from __future__ import annotations

import inspect
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts

from source_server.app import create_app
from source_server.config import Settings
from source_server.dispatch.upload import read_form

READS_ITS_OWN_FORM = re.compile(r"\bread_form\(|\.form\(\)")
FIELD_READ = re.compile(r"\b(?:f|fields)\.get\(\"(\w+)\"")


def multipart_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every documented route that takes multipart/form-data."""
    out = []
    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        if not isinstance(route, APIRoute) or not getattr(rc, "include_in_schema", True):
            continue
        source = inspect.getsource(route.endpoint)
        declared = route.body_field is not None and "Body_" in str(route.body_field.field_info.annotation)
        if declared or READS_ITS_OWN_FORM.search(source):
            out += [(m.lower(), rc.path or "", route) for m in sorted(rc.methods or ()) if m != "HEAD"]
    return out


def undocumented(app: FastAPI) -> list[str]:
    """What /openapi.json fails to say about the app's multipart routes, one line each."""
    spec = app.openapi()
    components = spec.get("components", {}).get("schemas", {})
    problems = []
    for method, path, route in multipart_routes(app):
        body = spec["paths"][path][method].get("requestBody", {})
        schema = body.get("content", {}).get("multipart/form-data", {}).get("schema")
        if schema is None:
            problems.append(f"{method.upper()} {path}: no multipart/form-data request body")
            continue
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        props: dict[str, Any] = schema.get("properties", {})
        if not any(p.get("format") == "binary" or p.get("contentMediaType") for p in props.values()):
            problems.append(f"{method.upper()} {path}: no file field")
        read = set(FIELD_READ.findall(inspect.getsource(route.endpoint)))
        if read - set(props):
            problems.append(f"{method.upper()} {path}: reads {sorted(read - set(props))} but does not document them")
    return problems


def test_a_route_that_reads_its_own_form_shows_no_body_unless_it_documents_one() -> None:
    app = FastAPI()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, str]:
        form = await read_form(request, max_file_bytes=1000)
        return {"title": form.fields.get("title", "")}

    assert undocumented(app) == ["POST /upload: no multipart/form-data request body"]


def test_every_multipart_route_of_the_api_documents_its_fields() -> None:
    app = create_app(Settings())
    found = {(m, p) for m, p, _ in multipart_routes(app)}
    assert {("post", "/api/v1/broadcasts"), ("post", "/api/v1/jingles"), ("post", "/api/v1/areas/import")} <= found
    assert undocumented(app) == []
    broadcast = app.openapi()["paths"]["/api/v1/broadcasts"]["post"]["requestBody"]["content"]["multipart/form-data"]
    fields = broadcast["schema"]["properties"]
    assert {"file", "target_type", "target", "priority", "origin", "title", "start_at", "ttl_s"} <= set(fields)
    assert set(broadcast["schema"]["required"]) == {"file", "target_type", "target"}
