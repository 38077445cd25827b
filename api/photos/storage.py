"""Content-addressed photo storage behind a small interface (local disk now; S3-compatible later).

Originals are stored by the SHA-256 of their bytes, written to a temporary file, fsynced and renamed,
so a crash leaves either nothing or a whole file. Derivatives live beside them and can be rebuilt.
"""

import os
import tempfile
from pathlib import Path
from typing import Protocol


class PhotoStorage(Protocol):
    def new_temp(self) -> tuple[int, Path]: ...
    def put_original(self, temp: Path, sha256: str) -> None: ...
    def original_path(self, sha256: str) -> Path: ...
    def has_original(self, sha256: str) -> bool: ...
    def derived_path(self, sha256: str, variant: str) -> Path: ...
    def put_derived(self, sha256: str, variant: str, data: bytes) -> None: ...
    def originals(self): ...
    def delete_original(self, sha256: str) -> None: ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        for folder in (self.tmp, root / "originals", root / "derived"):
            folder.mkdir(parents=True, exist_ok=True)

    def new_temp(self) -> tuple[int, Path]:
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=".part")
        return fd, Path(name)

    def original_path(self, sha256: str) -> Path:
        return self.root / "originals" / sha256[:2] / sha256

    def has_original(self, sha256: str) -> bool:
        return self.original_path(sha256).exists()

    def put_original(self, temp: Path, sha256: str) -> None:
        """Move a fully written, fsynced temp file into place (atomic rename, then fsync the folder)."""
        target = self.original_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # same bytes already stored (content addressing)
            temp.unlink(missing_ok=True)
            return
        os.chmod(temp, 0o440)  # evidence: never altered in place
        os.replace(temp, target)
        _fsync_dir(target.parent)

    def derived_path(self, sha256: str, variant: str) -> Path:
        return self.root / "derived" / sha256[:2] / f"{sha256}.{variant}.jpg"

    def put_derived(self, sha256: str, variant: str, data: bytes) -> None:
        """Atomic (rename) but not fsynced: a copy lost in a crash is simply derived again."""
        target = self.derived_path(sha256, variant)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=".derived")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(name, target)

    def originals(self):
        """Every stored original: (sha256, path, mtime)."""
        for path in (self.root / "originals").glob("??/*"):
            try:
                mtime = path.stat().st_mtime
            except FileNotFoundError:  # removed since the listing (another sweep)
                continue
            yield path.name, path, mtime

    def delete_original(self, sha256: str) -> None:
        self.original_path(sha256).unlink(missing_ok=True)
        for variant in ("display", "thumb"):
            self.derived_path(sha256, variant).unlink(missing_ok=True)
