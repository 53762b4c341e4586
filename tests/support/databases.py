"""Test databases: a SQLite file, or a private schema in the PostgreSQL named by NGUON_TEST_DATABASE_URL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


def backend() -> str:
    """'postgresql' when NGUON_TEST_DATABASE_URL names one, else 'sqlite'."""
    url = os.environ.get("NGUON_TEST_DATABASE_URL", "")
    return "postgresql" if url.startswith("postgresql") else "sqlite"


@contextmanager
def database_url(tmp_dir: Path) -> Iterator[str]:
    """A URL to an empty database, removed afterwards (a fresh PostgreSQL schema, or a SQLite file)."""
    base = os.environ.get("NGUON_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_dir / ('nguon-' + uuid.uuid4().hex[:8] + '.db')}"
        return
    schema = f"nguon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
