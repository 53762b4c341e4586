"""Join synthesised sentences into one WAV without clicks: trim, fade each edge to zero, pad with true silence.

pydub does the joining (it reads and writes WAV itself); anything that is not WAV (edge-tts sends MP3) is decoded
by ffmpeg first, because pydub would call ffprobe for it, which imageio-ffmpeg does not ship (ARCHITECTURE.md).
"""

from __future__ import annotations

import io
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from source_server.audio.exceptions import AudioProcessingError
from source_server.audio.ffmpeg import run_ffmpeg

with warnings.catch_warnings():  # pydub imports audioop, deprecated since Python 3.11 (audioop-lts on 3.13+)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning, message="Couldn't find ffmpeg")
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

__all__ = ["join_speech", "to_wav"]

SILENCE_DBFS = -50.0
"""Below this a synthesiser's lead-in and tail count as silence and are trimmed, so every pause is ours."""
EDGE_FADE_MS = 8


def to_wav(audio: bytes, *, timeout: float) -> bytes:
    """WAV bytes as they are; anything else decoded by ffmpeg to 16-bit mono WAV at its own rate."""
    if audio[:4] == b"RIFF" and audio[8:12] == b"WAVE":
        return audio
    with tempfile.TemporaryDirectory(prefix="nguon-tts-") as tmp:
        src, dst = Path(tmp) / "piece", Path(tmp) / "piece.wav"
        src.write_bytes(audio)
        proc = run_ffmpeg(
            ["-i", str(src), "-map", "0:a:0", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav", "-y", str(dst)],
            timeout=timeout,
        )
        if proc.returncode != 0 or not dst.is_file():
            raise AudioProcessingError(
                f"could not decode synthesised audio: {proc.stderr.decode(errors='replace')[-200:]}"
            )
        return dst.read_bytes()


def _trimmed(segment: AudioSegment) -> AudioSegment:
    """The segment without leading and trailing silence (whole when it is all silence)."""
    start = detect_leading_silence(segment, silence_threshold=SILENCE_DBFS)
    end = len(segment) - detect_leading_silence(segment.reverse(), silence_threshold=SILENCE_DBFS)
    return segment[start:end] if end > start else segment


def join_speech(pieces: Sequence[bytes], *, gap_ms: int, timeout: float) -> bytes:
    """One WAV: the pieces in order, trimmed, faded in and out at their edges, ``gap_ms`` of silence between."""
    if not pieces:
        raise AudioProcessingError("no speech to join")
    segments = [AudioSegment.from_wav(io.BytesIO(to_wav(p, timeout=timeout))) for p in pieces]
    rate = max(s.frame_rate for s in segments)
    gap = AudioSegment.silent(duration=gap_ms, frame_rate=rate)
    joined = AudioSegment.empty().set_frame_rate(rate).set_channels(1).set_sample_width(2)
    for index, segment in enumerate(segments):
        piece = _trimmed(segment.set_channels(1).set_sample_width(2).set_frame_rate(rate))
        fade = min(EDGE_FADE_MS, len(piece) // 2)
        if index:
            joined += gap
        joined += piece.fade_in(fade).fade_out(fade)
    out = io.BytesIO()
    joined.export(out, format="wav")
    return out.getvalue()
