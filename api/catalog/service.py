from sqlmodel import Session, col, func, select

from api.audit import service as audit
from api.bureaus.models import Bureau
from api.catalog.models import Category, CategoryWrite, PointType, PointTypeWrite
from api.errors import ApiError


def upsert_category(session: Session, data: CategoryWrite, *, by: str) -> Category:
    if data.default_bureau_code and session.get(Bureau, data.default_bureau_code) is None:
        raise ApiError(422, "unknown_bureau", f"单位 {data.default_bureau_code} 不存在",
                       f"unknown bureau {data.default_bureau_code}", {"field": "default_bureau_code"})
    category = session.get(Category, data.code)
    before = category.model_dump(exclude={"code"}) if category else None
    fields = data.model_dump(exclude={"code", "position"})
    if category is None:
        last = session.exec(select(func.max(Category.position))).one() or 0
        category = Category(code=data.code, position=last + 1, **fields)
    for key, value in fields.items():
        setattr(category, key, value)
    if data.position is not None:
        category.position = data.position
    session.add(category)
    session.flush()
    audit.record(session, actor=by, entity="category", key=category.code, action="update" if before else "create",
                 before=before, after=category.model_dump(exclude={"code"}))
    return category


def upsert_point_type(session: Session, data: PointTypeWrite, *, by: str) -> PointType:
    point_type = session.get(PointType, data.code)
    before = point_type.model_dump(exclude={"code"}) if point_type else None
    point_type = point_type or PointType(code=data.code, name=data.name, name_en=data.name_en)
    point_type.name, point_type.name_en = data.name, data.name_en
    session.add(point_type)
    session.flush()
    audit.record(session, actor=by, entity="point_type", key=point_type.code,
                 action="update" if before else "create", before=before, after=point_type.model_dump(exclude={"code"}))
    return point_type


def reorder_categories(session: Session, codes: list[str], *, by: str) -> list[Category]:
    """Number the categories in the order of `codes`, which must name each of them once."""
    categories = {c.code: c for c in session.exec(select(Category))}
    if sorted(codes) != sorted(categories):
        raise ApiError(409, "categories_changed", "问题类别已被修改，请刷新后重新排序",
                       "the categories have changed since they were read: reload and reorder",
                       {"codes": sorted(categories)})
    for place, code in enumerate(codes, 1):
        category = categories[code]
        if category.position != place:
            audit.record(session, actor=by, entity="category", key=code, action="update",
                         before={"position": category.position}, after={"position": place})
            category.position = place
            session.add(category)
    session.flush()
    return [categories[code] for code in codes]


def list_categories(session: Session, *, include_inactive: bool = True) -> list[Category]:
    query = select(Category).order_by(col(Category.position), col(Category.code))
    if not include_inactive:
        query = query.where(Category.is_active == True)  # noqa: E712
    return list(session.exec(query))


def list_point_types(session: Session) -> list[PointType]:
    return list(session.exec(select(PointType).order_by(PointType.code)))
