"""Reading a request's body within limits: at most `limit` bytes, and JSON that nests at most
MAX_JSON_DEPTH levels. Shared by the JSON API (`app.py`) and the citizen forms (`pages.py`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from .store import ServiceError

MAX_BODY = 64 * 1024


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, at most `limit` bytes (413 beyond)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ServiceError(413, "invalid", f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ServiceError(413, "invalid", f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


MAX_JSON_DEPTH = 32


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


async def read_json(request: Request) -> Any:
    """The body as JSON: 400 when it is not JSON or nests deeper than MAX_JSON_DEPTH (a slot nests 1)."""
    body = await read_body(request)
    if json_depth(body) > MAX_JSON_DEPTH:
        raise ServiceError(400, "invalid", f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ServiceError(400, "invalid", "the body is not JSON") from None
