"""Receiving a photo's bytes, for every route that takes one (tickets, patrols, citizens' reports): the body
streamed into a temp file of the store and hashed as it comes, so a photo is never held in memory whole, then
checked and kept."""

import hashlib
import os
from pathlib import Path

from starlette.requests import Request

from api.errors import ApiError
from api.photos import pipeline
from api.photos.pipeline import PhotoFacts
from api.photos.storage import LocalStorage


async def receive(request: Request, fd: int, limit: int) -> tuple[int, str]:
    """Write the request's body to the open file `fd` (closed after): its size and SHA-256 (hex). Reading
    stops once past `limit` bytes; the size returned is then larger than `limit`."""
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def hash_mismatch(expected: str, received: str, size: int) -> ApiError:
    return ApiError(422, "photo_hash_mismatch", "照片内容与声明的 SHA-256 不符（传输损坏？请重传）",
                    "the bytes do not match the declared SHA-256 (corrupted in transit? retry)",
                    {"expected": expected, "received": received, "size": size})


def keep(storage: LocalStorage, temp: Path, content_type: str, sha256: str, max_pixels: int) -> PhotoFacts:
    """Refuse what is not a whole picture of its declared type (413, 422), then make the bytes durable in the
    store (fsync, atomic rename) before the commit that records them."""
    try:
        facts = pipeline.inspect(temp, content_type, max_pixels)
    except pipeline.PhotoTooLarge as exc:
        raise ApiError(413, "photo_too_large", exc.message, exc.message_en) from None
    except pipeline.PhotoInvalid as exc:
        raise ApiError(422, "photo_invalid", exc.message, exc.message_en) from None
    with open(temp, "rb") as written:
        os.fsync(written.fileno())
    storage.put_original(temp, sha256)
    return facts
