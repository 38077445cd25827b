"""What importing a county document would change, section by section, and the document file itself (YAML, as
`gridpatrol config export` writes it).

The preview runs the import in a savepoint, exports the county, and rolls the savepoint back: it is checked
exactly as the import checks it because it is the import, and what it reports is what the import would leave,
compared field by field with what is there now.
"""

from typing import Any

import yaml
from pydantic import BaseModel
from sqlmodel import Session

from api.county import config_doc
from api.county.config_doc import CountyConfig
from api.errors import ApiError

# Each section of the document and what names one of its entries. Routing rules have no code: they are named
# by their name (a repeated name by its occurrence too), and their order is a field of its own.
SECTIONS = {"bureaus": "code", "point_types": "code", "categories": "code", "routing_rules": "name",
            "calendar_overrides": "day", "checklists": "point_type", "ranking": None,
            "public_categories": "category_code", "citizen_settings": None}


class FieldChange(BaseModel):
    field: str  # dotted for nested values: weights.closure_rate, items.C01.text; a rule's order is `position`
    before: Any  # None: the entry is added
    after: Any  # None: the entry is removed


class EntryChange(BaseModel):
    key: str  # the entry's code (a rule: its name, a calendar override: its day)
    label: str  # its name, for people
    fields: list[FieldChange]  # added or removed: all of them; changed: those that change


class SectionChanges(BaseModel):
    section: str  # a key of SECTIONS
    added: list[EntryChange]
    changed: list[EntryChange]
    removed: list[EntryChange]  # only routing rules, which an import replaces; other entries are kept


class ConfigPreview(BaseModel):
    """The document as read (what `POST /api/v1/config/import` then takes) and what importing it would change."""
    document: CountyConfig
    sections: list[SectionChanges]


def to_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def read_document(content: bytes) -> Any:
    """A document file's content as data: YAML, which JSON also is."""
    try:
        document = yaml.safe_load(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ApiError(422, "config_unreadable", "文件须为 UTF-8 编码的 YAML 或 JSON",
                       "the file must be YAML or JSON in UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ApiError(422, "config_unreadable", "文件不是有效的 YAML 或 JSON" + (f"（第 {line} 行）" if line else ""),
                       "the file is not valid YAML or JSON" + (f" (line {line})" if line else ""),
                       {"line": line}) from exc
    except RecursionError as exc:
        raise ApiError(422, "config_unreadable", "文件嵌套过深", "the file is nested too deeply") from exc
    if _holds_nul(document):  # a YAML escape ("\0") can write one; PostgreSQL's text cannot hold it
        raise ApiError(422, "nul_character", "文本中不能含有空字符（U+0000）", "text may not contain NUL (U+0000)")
    return document


def _holds_nul(document: Any) -> bool:
    pending, seen = [document], set()
    while pending:
        value = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            return True
        if id(value) in seen:  # YAML anchors can make a list hold itself
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            pending += [*value, *value.values()]
        elif isinstance(value, list):
            pending += value
    return False


def preview(session: Session, document: Any, *, by: str) -> dict[str, Any]:
    """The document as it would be imported, and each section's entries it would add, change and remove.
    Refused as the import refuses it (422), and changes nothing either way."""
    config = config_doc.parse_config(document)
    before = config_doc.export_config(session)
    savepoint = session.begin_nested()
    try:
        config_doc.import_config(session, config, by=by)
        after = config_doc.export_config(session)
    finally:
        savepoint.rollback()
    # exclude_unset: what the file leaves out, the import leaves alone (a bureau's webhook URL).
    return {"document": config.model_dump(mode="json", exclude_unset=True),
            "sections": [_section(name, key, before, after) for name, key in SECTIONS.items()]}


def _entries(name: str, key: str | None, document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if key is None:  # one block (the ranking)
        return {name: _flatten(document[name])} if document.get(name) is not None else {}
    entries: dict[str, dict[str, Any]] = {}
    for position, entry in enumerate(document.get(name) or [], start=1):
        label = str(entry[key])
        ident, n = label, 1
        while ident in entries:
            n += 1
            ident = f"{label} #{n}"
        ordered = name in ("routing_rules", "public_categories")  # where the place in the list is a setting
        entries[ident] = _flatten(entry) | ({"position": position} if ordered else {})
    return entries


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested blocks as dotted fields (`weights.closure_rate`), lists of coded items by their code
    (`items.C01.text`), so a change names the one value that changes."""
    flat: dict[str, Any] = {}
    for field, item in value.items():
        name = f"{prefix}{field}"
        if isinstance(item, dict):
            flat |= _flatten(item, f"{name}.")
        elif isinstance(item, list) and item and all(isinstance(i, dict) and "code" in i for i in item):
            for i in item:
                flat |= _flatten({k: v for k, v in i.items() if k != "code"}, f"{name}.{i['code']}.")
        else:
            flat[name] = item
    return flat


def _label(entry: dict[str, Any], ident: str) -> str:
    return str(entry.get("name") or entry.get("note") or ident)


def _section(name: str, key: str | None, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    old, new = _entries(name, key, before), _entries(name, key, after)
    added = [{"key": k, "label": _label(v, k), "fields": [{"field": f, "before": None, "after": x}
                                                          for f, x in v.items()]}
             for k, v in new.items() if k not in old]
    removed = [{"key": k, "label": _label(v, k), "fields": [{"field": f, "before": x, "after": None}
                                                            for f, x in v.items()]}
               for k, v in old.items() if k not in new]
    changed = []
    for k in (k for k in new if k in old):
        fields = [{"field": f, "before": old[k].get(f), "after": new[k].get(f)}
                  for f in dict.fromkeys([*old[k], *new[k]]) if old[k].get(f) != new[k].get(f)]
        if fields:
            changed.append({"key": k, "label": _label(new[k], k), "fields": fields})
    return {"section": name, "added": added, "changed": changed, "removed": removed}
