"""Text normalisation speed: both provincial corpus documents (~80 kB of PDF text) normalised, median of N runs.

``python -m bench.textnorm [--runs 5]`` prints one JSON line: characters, sentences, the first run (which compiles
the patterns) and the median of the runs after it, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from source_server.audio.textnorm import Normalized, normalize

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "audio" / "corpus"


def corpus_texts() -> list[str]:
    """The corpus documents, in name order."""
    return [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]


def normalise_corpus(texts: list[str] | None = None) -> list[Normalized]:
    """Every corpus document normalised (the benchmark's unit of work)."""
    return [normalize(t) for t in (texts if texts is not None else corpus_texts())]


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--runs", type=int, default=5)
    runs = args.parse_args().runs
    texts = corpus_texts()
    timings = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        results = normalise_corpus(texts)
        timings.append((time.perf_counter() - start) * 1000)
    print(
        json.dumps(
            {
                "bench": "textnorm",
                "documents": len(texts),
                "chars": sum(len(t) for t in texts),
                "sentences": sum(len(r.sentences) for r in results),
                "first_ms": round(timings[0], 1),
                "median_ms": round(statistics.median(timings[1:]), 1),
                "runs": runs,
            }
        )
    )


if __name__ == "__main__":
    main()
