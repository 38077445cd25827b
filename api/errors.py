"""One JSON error shape for every failure: {"error": {code, message, message_en, details}}."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, message_en: str, details: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message = message
        self.message_en = message_en
        self.details = details
        self.headers = headers


def not_found(what_zh: str, what_en: str, key: Any = None) -> ApiError:
    return ApiError(404, "not_found", f"{what_zh}不存在", f"{what_en} not found",
                    {"key": key} if key is not None else None)


def forbidden(details: Any = None) -> ApiError:
    return ApiError(403, "forbidden", "无权执行此操作", "You are not allowed to do this", details)


def _body(code: str, message: str, message_en: str, details: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "message_en": message_en, "details": details}}


_HTTP_CODES = {
    400: ("bad_request", "请求格式错误", "Bad request"),
    401: ("not_authenticated", "请先登录", "Authentication required"),
    403: ("forbidden", "无权执行此操作", "You are not allowed to do this"),
    404: ("not_found", "资源不存在", "Not found"),
    405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
    413: ("payload_too_large", "请求内容过大", "Payload too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "Unsupported media type"),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return JSONResponse(_body(exc.code, exc.message, exc.message_en, exc.details),
                            status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException):
        code, zh, en = _HTTP_CODES.get(exc.status_code, ("http_error", "请求失败", str(exc.detail)))
        return JSONResponse(_body(code, zh, en), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError):
        details = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse(_body("validation_error", "请求内容校验失败", "Request validation failed", details),
                            status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception):
        return JSONResponse(_body("internal_error", "服务器内部错误", "Internal server error"), status_code=500)
