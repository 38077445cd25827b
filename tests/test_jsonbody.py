"""The capture path encodes its JSON itself; the bytes must be what FastAPI's own encoding gives."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.jsonbody import json_response


def test_same_bytes_as_fastapi():
    content = {
        "id": uuid.uuid4(), "at": datetime(2026, 11, 22, 3, 4, 5, 678901, tzinfo=UTC),
        "local": datetime(2026, 11, 22, 11, 0, tzinfo=timezone(timedelta(hours=8))), "naive": datetime(2026, 1, 2),
        "day": date(2026, 10, 1), "name": "综合执法局 · Law enforcement", "none": None, "flag": True,
        "ratio": 0.25, "count": 3, "nested": [{"ids": [uuid.uuid4()], "empty": {}}, []],
    }
    ours = json_response(content, 201)
    theirs = JSONResponse(jsonable_encoder(content), status_code=201)
    assert ours.body == theirs.body
    assert (ours.status_code, ours.headers["content-type"]) == (201, theirs.headers["content-type"])


def test_refuses_what_it_cannot_encode():
    with pytest.raises(TypeError):
        json_response({"value": object()})
    with pytest.raises(ValueError):
        json_response({"value": float("nan")})  # not JSON; FastAPI refuses it too
