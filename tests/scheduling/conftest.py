"""Fixtures of the programme tests: a seeded province, settings on the test database, a signing key."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from protocols import Keyring, SigningKey
from source_server.config import Settings
from tests.scheduling.support import seed, settings_for


@pytest.fixture
def seeded(db: sessionmaker[Session]) -> sessionmaker[Session]:
    """The emptied test database with areas, categories and devices."""
    seed(db)
    return db


@pytest.fixture
def conf(db_url: str, tmp_path: Path) -> Settings:
    """Server settings on the test database."""
    return settings_for(db_url, tmp_path)


@pytest.fixture
def signer() -> SigningKey:
    return SigningKey.generate("k1")


@pytest.fixture
def keyring(signer: SigningKey) -> Keyring:
    return Keyring({signer.kid: signer.public_b64()})
