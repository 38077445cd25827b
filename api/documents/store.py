"""Finished documents (a bulletin's PDF, a ledger's XLSX, PDF or CSV), kept on disk by the SHA-256 of their bytes.

Written like photo originals (api/photos/storage.py): to a temporary file, fsynced, made read-only and renamed
into place, then the folder fsynced, so a crash leaves either nothing or the whole file, and the file is there
before the commit that names it. A file whose row never committed, or whose draft was regenerated or deleted,
is named by no row: `sweep` removes it once it is old enough that no commit naming it can still be in flight.
"""

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store the bytes durably; their SHA-256 names them (the same bytes twice are one file)."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(name, 0o440)  # a published document is never altered in place
            os.replace(name, target)
        finally:
            Path(name).unlink(missing_ok=True)
        _fsync_dir(target.parent)
        return sha256

    def new_temp(self, suffix: str) -> Path:
        """A file to write a large document into, piece by piece, before `put_file` (swept if abandoned)."""
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=suffix)
        os.close(fd)
        return Path(name)

    def put_file(self, temp: Path) -> str:
        """Store a file written in `tmp` (new_temp) without reading it into memory; it is moved, not copied."""
        try:
            with open(temp, "rb") as written:
                sha256 = hashlib.file_digest(written, "sha256").hexdigest()
                os.fsync(written.fileno())
            target = self.path(sha256)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(temp, 0o440)
                os.replace(temp, target)
                _fsync_dir(target.parent)
        finally:
            temp.unlink(missing_ok=True)
        return sha256

    def digest(self, sha256: str) -> str | None:
        """The SHA-256 of the stored file's bytes as they are now (None: no such file)."""
        try:
            with open(self.path(sha256), "rb") as stored:
                return hashlib.file_digest(stored, "sha256").hexdigest()
        except FileNotFoundError:
            return None

    def sweep(self, referenced: Iterable[str | None], *, grace_s: float = 3600) -> int:
        """Remove files no row names (`referenced`: the rows' SHA-256 columns), and temporary files, older than
        `grace_s`; returns how many."""
        keep, cutoff, removed = set(referenced), time.time() - grace_s, 0
        for path in [*self.tmp.iterdir(), *self.root.glob("??/*")]:
            try:
                stale = path.stat().st_mtime < cutoff
            except FileNotFoundError:  # renamed into place or removed since the listing
                continue
            if stale and path.name not in keep:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
