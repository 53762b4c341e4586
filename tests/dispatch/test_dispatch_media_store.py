"""The content-addressed media store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from source_server.dispatch.media import MediaStore


def test_put_is_content_addressed_idempotent_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    sha, path = store.put_bytes(b"abc" * 1000, "MP3")
    assert sha == hashlib.sha256(b"abc" * 1000).hexdigest()
    assert path == tmp_path / "media" / f"{sha}.mp3"
    assert path.read_bytes() == b"abc" * 1000
    again = store.put_bytes(b"abc" * 1000, "mp3")
    assert again == (sha, path)
    assert [p.name for p in (tmp_path / "media").iterdir()] == [f"{sha}.mp3"]
    assert store.path_for(sha) == path
    assert store.path_for(sha, "mp3") == path
    assert store.path_for(sha, "wav") is None


def test_unknown_or_malformed_hashes_find_nothing(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    assert store.path_for("0" * 64) is None
    assert store.path_for("../etc/passwd") is None
    assert store.path_for("A" * 64) is None


def test_refuses_empty_data_and_odd_extensions(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    with pytest.raises(ValueError, match="empty"):
        store.put_bytes(b"", "mp3")
    with pytest.raises(ValueError, match="extension"):
        store.put_bytes(b"x", "../mp3")
    assert list(tmp_path.iterdir()) == []


def test_delete_removes_the_file(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    sha, path = store.put_bytes(b"data", "mp3")
    assert store.delete(sha) is True
    assert not path.exists()
    assert store.delete(sha) is False
