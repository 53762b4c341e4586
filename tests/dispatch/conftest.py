"""Fixtures of the dispatch tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from protocols import SigningKey
from source_server.audio.pipeline import ProcessedAudio, prepare_audio
from source_server.config import Settings
from source_server.dispatch.media import MediaStore
from source_server.dispatch.models import Media
from source_server.dispatch.service import store_media
from tests.dispatch.helpers import make_audio, seed_fleet


@pytest.fixture
def signer() -> SigningKey:
    return SigningKey.generate("k1")


@pytest.fixture
def store(settings: Settings) -> MediaStore:
    return MediaStore(settings.media_dir)


@pytest.fixture
def fleet(db: sessionmaker[Session]) -> dict[str, list[str]]:
    return seed_fleet(db)


@pytest.fixture(scope="session")
def tone(tmp_path_factory: pytest.TempPathFactory) -> ProcessedAudio:
    """One second of 440 Hz, prepared for devices."""
    wav = make_audio(tmp_path_factory.mktemp("audio") / "tone.wav", "sine=frequency=440", 1.0)
    return prepare_audio(wav, "tone.wav", max_bytes=10_000_000, max_seconds=60)


@pytest.fixture
def media(db: sessionmaker[Session], store: MediaStore, tone: ProcessedAudio) -> Media:
    with db.begin() as s:
        return store_media(s, store=store, audio=tone, original_name="tone.wav", actor="tester")
