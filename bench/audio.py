"""Audio speed (issue #4): a 3-minute Vietnamese text bulletin spoken offline, and the pipeline on a 10-minute file.

``python -m bench.audio [--runs 3] [--minutes 10] [--speech-minutes 3]`` prints one JSON line per figure:
(a) ``tts``: corpus text normalised, synthesised by espeak-ng sentence by sentence, joined, loudness-normalised and
    encoded; wall seconds (target < 15 s for 3 minutes of speech);
(b) ``pipeline``: a 10-minute speech-like MP3 (espeak-ng reading the corpus, looped, stereo 48 kHz 128 kbit/s, as
    an upload would be) through ``process_audio``; real-time factor = audio seconds / wall seconds (target ≥ 50×).
Each is the median of ``--runs``; ``cpu_s`` is the CPU time of this process and its ffmpeg/espeak children, which
does not depend on what else the shared machine is doing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.audio.pipeline import process_audio
from source_server.audio.sentences import split_sentences
from source_server.audio.tts import TtsChain
from source_server.audio.tts_espeak import EspeakNgEngine

_ROOT = Path(__file__).resolve().parents[1]
CORPORA = (_ROOT / "tests" / "audio" / "corpus", _ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus"))
"""Where the provincial corpus documents may be: the test copy, else the shared folder beside the repository."""
RATE_WPM = 150
"""espeak-ng's rate setting, as the TTS chain's default."""
SPOKEN_WPM = 211
"""Syllables per minute espeak-ng actually speaks Vietnamese at that setting (measured on the normalised corpus)."""


def corpus_text() -> str:
    """Both corpus documents, in name order."""
    folder = next((c for c in CORPORA if any(c.glob("*.txt"))), None)
    if folder is None:
        raise SystemExit(f"no corpus found in {[str(c) for c in CORPORA]}")
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt")))


def normaliser() -> tuple[str, Callable[[str], list[str]]]:
    """The text normaliser's sentences when it is installed, else the interim splitter."""
    try:
        from source_server.audio.textnorm import normalize
    except ImportError:
        return "split_sentences", split_sentences
    return "textnorm", lambda text: list(normalize(text).sentences)


def bulletin_text(minutes: float, sentences_of: Callable[[str], list[str]]) -> str:
    """Leading paragraphs of the corpus whose reading has about ``minutes`` of speech at espeak-ng's rate."""
    kept: list[str] = []
    for paragraph in corpus_text().split("\n\n"):
        kept.append(paragraph)
        words = sum(len(s.split()) for s in sentences_of("\n\n".join(kept)))
        if words >= minutes * SPOKEN_WPM:
            break
    return "\n\n".join(kept)


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(work: Callable[[], Any], runs: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU seconds of ``runs`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        cpu, start = cpu_seconds(), time.perf_counter()
        result = work()
        walls.append(time.perf_counter() - start)
        cpus.append(cpu_seconds() - cpu)
    return walls, cpus, result


def bench_tts(minutes: float, runs: int) -> dict[str, Any]:
    """(a) text → normalised sentences → espeak-ng → joined → pipeline."""
    name, sentences_of = normaliser()
    text = bulletin_text(minutes, sentences_of)
    chain = TtsChain([EspeakNgEngine(rate_wpm=RATE_WPM)])

    def work() -> Any:
        return asyncio.run(chain.speak(sentences_of(text), gender="female"))

    walls, cpus, speech = timed(work, runs)
    return {
        "bench": "audio.tts",
        "normaliser": name,
        "chars": len(text),
        "sentences": speech.sentences,
        "speech_s": round(speech.audio.seconds, 1),
        "wall_s": round(statistics.median(walls), 2),
        "walls_s": [round(w, 2) for w in walls],
        "cpu_s": round(statistics.median(cpus), 2),
        "output_lufs": speech.audio.output_lufs,
        "output_true_peak_dbtp": speech.audio.output_true_peak_dbtp,
        "target": "< 15 s for 3 min of speech",
    }


def long_upload(tmp: Path, minutes: float) -> bytes:
    """A speech-like upload: espeak-ng reading the corpus, looped to ``minutes``, as stereo 48 kHz 128 kbit/s MP3."""
    speech = tmp / "speech.wav"
    text = corpus_text()[:20_000]
    subprocess.run(["espeak-ng", "-v", "vi+m3", "-s", "150", "-b", "1", "-w", str(speech), "--stdin"],
                   input=text.encode(), check=True, capture_output=True)  # fmt: skip
    upload = tmp / "upload.mp3"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-stream_loop", "-1", "-i", str(speech),
                    "-t", f"{minutes * 60:.0f}", "-ac", "2", "-ar", "48000", "-c:a", "libmp3lame", "-b:a", "128k",
                    "-y", str(upload)], check=True)  # fmt: skip
    return upload.read_bytes()


def bench_pipeline(minutes: float, runs: int) -> dict[str, Any]:
    """(b) the pipeline on a long upload: real-time factor."""
    with tempfile.TemporaryDirectory(prefix="nguon-bench-audio-") as tmp:
        data = long_upload(Path(tmp), minutes)
    walls, cpus, out = timed(lambda: process_audio(data, "upload.mp3"), runs)
    seconds = minutes * 60
    return {
        "bench": "audio.pipeline",
        "input": "mp3 stereo 48 kHz 128 kbit/s",
        "input_bytes": len(data),
        "audio_s": out.seconds,
        "wall_s": round(statistics.median(walls), 2),
        "walls_s": [round(w, 2) for w in walls],
        "cpu_s": round(statistics.median(cpus), 2),
        "realtime_x": round(seconds / statistics.median(walls), 1),
        "realtime_x_cpu": round(seconds / statistics.median(cpus), 1),
        "input_lufs": out.input_lufs,
        "output_lufs": out.output_lufs,
        "output_true_peak_dbtp": out.output_true_peak_dbtp,
        "output_bytes": out.size,
        "target": ">= 50x real time",
    }


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--runs", type=int, default=3)
    args.add_argument("--speech-minutes", type=float, default=3.0)
    args.add_argument("--minutes", type=float, default=10.0)
    args.add_argument("--only", choices=("tts", "pipeline"), help="run one of the two figures")
    opts = args.parse_args()
    if opts.only != "pipeline":
        print(json.dumps(bench_tts(opts.speech_minutes, opts.runs), ensure_ascii=False), flush=True)
    if opts.only != "tts":
        print(json.dumps(bench_pipeline(opts.minutes, opts.runs), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
