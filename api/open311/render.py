"""The standard's two formats: XML (mandatory: UTF-8, W3C datetimes with their zone, elements in the standard's
order) and JSON, written from the same models."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.open311.models import Open311Error

Format = Literal["json", "xml"]
XML = "application/xml; charset=utf-8"
# A list's elements inside its container element.
_ITEM = {"attributes": "attribute", "values": "value"}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()  # aware: 2026-12-08T09:30:00+00:00
    return str(value)


def _element(parent: ET.Element, model: BaseModel, tag: str) -> None:
    node = ET.SubElement(parent, tag)
    for name in type(model).model_fields:
        value = getattr(model, name)
        child = ET.SubElement(node, name)
        if isinstance(value, list):
            for item in value:
                _element(child, item, _ITEM[name])
        elif value is not None:  # an empty element, as the standard's examples show one
            child.text = _text(value)


def xml_bytes(root: str, item: str | None, models: Sequence[BaseModel]) -> bytes:
    """`<root><item>…</item>…</root>`; with no `item`, the one model's fields straight under `root`."""
    if item is None:
        holder = ET.Element("holder")
        _element(holder, models[0], root)
        top = holder[0]
    else:
        top = ET.Element(root)
        for model in models:
            _element(top, model, item)
    return ET.tostring(top, encoding="UTF-8", xml_declaration=True)


def answer(fmt: Format, root: str, item: str | None, models: Sequence[BaseModel], status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    if fmt == "xml":
        return Response(xml_bytes(root, item, models), status_code=status, media_type=XML, headers=headers)
    body = [m.model_dump(mode="json") for m in models]
    return JSONResponse(body if item is not None else body[0], status_code=status, headers=headers)


def errors(fmt: Format, status: int, description: str, headers: dict[str, str] | None = None) -> Response:
    return answer(fmt, "errors", "error", [Open311Error(code=status, description=description)], status, headers)
