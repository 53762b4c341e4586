"""A multipart/form-data reader that enforces the upload size limit while the body streams in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, Request, status
from pydantic import BaseModel
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 32


class UploadTooLarge(HTTPException):
    """413: the body passed the limit; reading stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, f"Upload is over the {limit}-byte limit.")


def multipart_body(form: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting the fields of a form that a route reads with :func:`read_form`.

    Such a route takes the raw request (to stop reading at the size limit), so FastAPI cannot see its fields;
    ``form`` lists them (a ``bytes`` field is the file) for the OpenAPI description only.
    """
    schema = form.model_json_schema()
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


@dataclass
class Form:
    """Text fields and at most one file of a parsed form."""

    fields: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    file_field: str | None = None
    file_data: bytes = b""


async def read_form(request: Request, *, max_file_bytes: int) -> Form:
    """Parse the request's multipart body, 413 as soon as the file or whole body grows past the limit."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Send multipart/form-data.")
    body_limit = max_file_bytes + MAX_FIELDS * MAX_FIELD_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > body_limit:
        raise UploadTooLarge(max_file_bytes)
    form = Form()
    headers: dict[bytes, bytes] = {}
    name = b""
    current: dict[str, object] = {}
    file_chunks: list[bytes] = []
    text = bytearray()
    hdr_field = bytearray()
    hdr_value = bytearray()

    def on_part_begin() -> None:
        headers.clear()
        text.clear()
        current.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        hdr_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        hdr_value.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(hdr_field).lower()] = bytes(hdr_value)
        hdr_field.clear()
        hdr_value.clear()

    def on_headers_finished() -> None:
        nonlocal name
        _, disp = parse_options_header(headers.get(b"content-disposition", b""))
        name = disp.get(b"name", b"")
        if b"filename" in disp:
            if form.file_field is not None:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Send one file only.")
            form.file_field = name.decode(errors="replace")
            form.file_name = disp[b"filename"].decode(errors="replace")
            current["file"] = True

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if current.get("file"):
            file_chunks.append(data[start:end])
            current["size"] = int(current.get("size", 0)) + (end - start)  # type: ignore[call-overload]
            if current["size"] > max_file_bytes:  # type: ignore[operator]
                raise UploadTooLarge(max_file_bytes)
        else:
            text.extend(data[start:end])
            if len(text) > MAX_FIELD_BYTES:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "A form field is too long.")

    def on_part_end() -> None:
        if not current.get("file"):
            if len(form.fields) >= MAX_FIELDS:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Too many form fields.")
            form.fields[name.decode(errors="replace")] = text.decode("utf-8", errors="strict")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > body_limit:
                raise UploadTooLarge(max_file_bytes)
            parser.write(chunk)
        parser.finalize()
    except UnicodeDecodeError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Form fields must be UTF-8.") from None
    except HTTPException:
        raise
    except Exception as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"Malformed multipart body: {exc}") from None
    form.file_data = b"".join(file_chunks)
    await request.close()  # a form parsed before (to find a CSRF token) holds its uploads in temporary files
    return form
