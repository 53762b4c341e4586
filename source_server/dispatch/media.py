"""Content-addressed media store: ``<root>/<sha256>.<ext>``, written atomically, never overwritten."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_EXT_RE = re.compile(r"^[a-z0-9]{1,8}$")


class MediaStore:
    """Files named by the SHA-256 of their content, so a name can never point at other bytes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put_bytes(self, data: bytes, ext: str) -> tuple[str, Path]:
        """Store ``data`` (idempotent); returns its sha256 and path."""
        if not data:
            raise ValueError("refusing to store an empty file")
        ext = ext.lstrip(".").lower()
        if not _EXT_RE.match(ext):
            raise ValueError(f"bad file extension {ext!r}")
        sha = hashlib.sha256(data).hexdigest()
        path = self.root / f"{sha}.{ext}"
        if path.exists() and path.stat().st_size == len(data):
            return sha, path
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=f".{ext}")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha, path

    def path_for(self, sha256: str, ext: str | None = None) -> Path | None:
        """The stored file with this hash (``ext`` preferred, else any), or None."""
        if not _SHA_RE.match(sha256):
            return None
        if ext is not None:
            path = self.root / f"{sha256}.{ext.lstrip('.').lower()}"
            return path if path.is_file() else None
        if not self.root.is_dir():
            return None
        for path in sorted(self.root.glob(f"{sha256}.*")):
            if path.is_file():
                return path
        return None

    def delete(self, sha256: str) -> bool:
        """Remove every file stored under this hash; True if one was removed."""
        removed = False
        while (path := self.path_for(sha256)) is not None:
            path.unlink(missing_ok=True)
            removed = True
        return removed
