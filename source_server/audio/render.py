"""Second half of the pipeline: join, process for horn speakers, hit the loudness targets, encode, verify.

Passes (all ffmpeg, float inside the filter graph so no gain step clips):
1. measure the whole chain (each part at the target, band-limit, compressor, make-up gain, limiter) at a grid of
   make-up gains in one pass (the shared part is computed once, each branch only limits and measures), and
   interpolate the gain that lands on the target: the limiter makes loudness grow less than the gain, so one
   linear guess would fall short;
2. encode the MP3 while a second ffmpeg decodes the same stream and measures integrated loudness and true peak;
   re-encode with a corrected gain or a lower ceiling if either target is missed (at most twice; rare).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from source_server.audio.config import PipelineConfig
from source_server.audio.decode import Decoded
from source_server.audio.exceptions import AudioProcessingError
from source_server.audio.ffmpeg import Loudness, ebur128, parse_loudness, parse_loudness_all, run_ffmpeg, run_piped

__all__ = ["Rendered", "render"]

_MAX_REENCODES = 2
_GRID_DB = (0.0, 4.0, 8.0, 12.0, 16.0)
"""Make-up gains measured in the one solving pass; speech needs 2–14 dB after the 2:1 compressor."""
_REFINE_PASSES = 2
_SAMPLE_ABOVE_S = 90.0
_SAMPLE = "aselect='lt(mod(t\\,3)\\,1)',asetpts=N/SR/TB"
"""For long audio the grid measures 1 s of every 3 s: the limiter acts within ~50 ms, so the sampled loudness
matches the whole (measured: within 0.1 LU on 10 minutes of speech) at a third of the work."""


@dataclass(frozen=True)
class Rendered:
    """The encoded MP3, its length in samples and what was measured on it after encoding."""

    mp3: bytes
    samples: int
    output: Loudness
    """Integrated loudness (LUFS) and *true* peak (dBTP) of the encoded file."""
    encodes: int


def _lin(db: float) -> float:
    """Decibels to a linear amplitude."""
    return float(10 ** (db / 20))


@dataclass(frozen=True)
class _Plan:
    """How to render: per-part gains, make-up gain after the compressor, limiter ceiling."""

    gains: tuple[float, ...]
    makeup_db: float
    ceiling_dbfs: float

    def _shared(self, config: PipelineConfig, sample: bool = False) -> tuple[list[str], str]:
        """Per-part band-limit and gain, crossfades and the compressor; returns the steps and the open end's label."""
        band = f"highpass=f={config.highpass_hz},lowpass=f={config.lowpass_hz}"
        steps = [f"[{i}:a]{band},volume={g:.3f}dB[p{i}]" for i, g in enumerate(self.gains)]
        label = "p0"
        fade = config.crossfade_ms / 1000
        for i in range(1, len(self.gains)):
            steps.append(f"[{label}][p{i}]acrossfade=d={fade:.3f}:c1=tri:c2=tri[j{i}]")
            label = f"j{i}"
        threshold = _lin(config.compressor_threshold_dbfs)
        steps.append(
            f"[{label}]{_SAMPLE + ',' if sample else ''}acompressor=threshold={threshold:.6f}:ratio={config.compressor_ratio}:attack=5:release=120[c]"
        )
        return steps, "c"

    def _limit(self, makeup_db: float) -> str:
        """Make-up gain and the look-ahead limiter (no auto-level, delay compensated so the length is kept)."""
        return (
            f"volume={makeup_db:.3f}dB,alimiter=limit={_lin(self.ceiling_dbfs):.6f}"
            ":attack=5:release=50:level=false:latency=true"
        )

    def graph(self, config: PipelineConfig, tail: str) -> str:
        """The whole chain at this plan's make-up gain, then ``tail``, ending in ``[out]``."""
        steps, end = self._shared(config)
        steps.append(f"[{end}]{self._limit(self.makeup_db)},{tail}[out]")
        return ";".join(steps)

    def grid(self, config: PipelineConfig, gains: tuple[float, ...], *, sample: bool) -> str:
        """The chain split after the compressor into one limited, measured branch per make-up gain."""
        steps, end = self._shared(config, sample)
        names = [f"g{i}" for i in range(len(gains))]
        steps.append(f"[{end}]asplit={len(gains)}{''.join(f'[{n}]' for n in names)}")
        ends = ["anullsink"] * (len(gains) - 1) + ["anull[out]"]  # one branch feeds the output, so ffmpeg maps no input
        steps += [f"[{n}]{self._limit(g)},{ebur128('none')},{e}" for n, g, e in zip(names, gains, ends, strict=True)]
        return ";".join(steps)


def _inputs(parts: Sequence[Decoded]) -> list[str]:
    """ffmpeg ``-i`` arguments for the decoded parts."""
    return [arg for part in parts for arg in ("-i", str(part.wav))]


def _measure(parts: Sequence[Decoded], plan: _Plan, config: PipelineConfig) -> Loudness:
    """Run the graph into nothing and return the loudness it produced."""
    proc = run_ffmpeg(
        [*_inputs(parts), "-filter_complex", plan.graph(config, ebur128("none")), "-map", "[out]", "-f", "null", "-"],
        timeout=config.timeout_s,
    )
    if proc.returncode != 0:
        raise AudioProcessingError(f"measuring failed: {proc.stderr.decode(errors='replace')[-300:]}")
    return parse_loudness(proc.stderr.decode(errors="replace"))


def _encode(parts: Sequence[Decoded], plan: _Plan, config: PipelineConfig, dst: Path) -> tuple[bytes, Loudness]:
    """Encode to the device format (bit-exact, no tags) into ``dst`` while a second ffmpeg measures the stream."""
    mp3 = "f=mp3:id3v2_version=0:fflags=+bitexact"
    encode = [
        *_inputs(parts), "-filter_complex", plan.graph(config, "anull"), "-map", "[out]",
        "-map_metadata", "-1", "-ac", "1", "-ar", str(config.sample_rate),
        "-c:a", "libmp3lame", "-b:a", f"{config.bitrate_kbps}k", "-compression_level", str(config.lame_quality),
        "-cutoff", str(config.lowpass_hz), "-flags:a", "+bitexact", "-fflags", "+bitexact",
        "-f", "tee", f"[{mp3}:write_xing=1]{dst}|[{mp3}:write_xing=0]pipe:1",
    ]  # fmt: skip
    measure = ["-f", "mp3", "-i", "pipe:0", "-af", ebur128("true"), "-f", "null", "-"]
    enc_rc, enc_log, meas_rc, meas_log = run_piped(encode, measure, timeout=config.timeout_s)
    if enc_rc != 0 or not dst.is_file():
        raise AudioProcessingError(f"encoding failed: {enc_log[-300:]}")
    if meas_rc != 0:
        raise AudioProcessingError(f"measuring the encoded audio failed: {meas_log[-300:]}")
    return dst.read_bytes(), parse_loudness(meas_log)


def _interpolate(points: list[tuple[float, float]], level: float) -> float:
    """The gain at which the measured (gain, loudness) curve, sorted by gain, reaches ``level``."""
    (g_first, l_first), (g_last, l_last) = points[0], points[-1]
    if level <= l_first:  # quieter than the lowest point: the limiter barely acts there, loudness follows the gain
        return g_first + (level - l_first)
    for (g0, l0), (g1, l1) in itertools.pairwise(points):
        if l0 <= level <= l1:
            return g0 if l1 - l0 < 0.05 else g0 + (g1 - g0) * (level - l0) / (l1 - l0)
    (g0, l0) = points[-2]
    slope = max(0.1, (l_last - l0) / (g_last - g0))  # beyond the grid: follow the last slope, never flatter than 0.1
    return g_last + (level - l_last) / slope


def _solve_makeup(parts: Sequence[Decoded], plan: _Plan, config: PipelineConfig) -> _Plan:
    """The make-up gain that brings the limited chain to the target plus the encoder's offset."""
    want = config.target_lufs + config.encoder_offset_lu
    seconds = sum(p.seconds for p in parts)
    graph = plan.grid(config, _GRID_DB, sample=seconds > _SAMPLE_ABOVE_S)
    proc = run_ffmpeg(
        [*_inputs(parts), "-filter_complex", graph, "-map", "[out]", "-f", "null", "-"], timeout=config.timeout_s
    )
    levels = [m.integrated_lufs for m in parse_loudness_all(proc.stderr.decode(errors="replace"))]
    if proc.returncode != 0 or len(levels) != len(_GRID_DB) or levels[-1] - levels[0] < 1.0:
        raise AudioProcessingError(f"measuring failed ({levels}): {proc.stderr.decode(errors='replace')[-300:]}")
    points = list(zip(_GRID_DB, levels, strict=True))
    gain = _interpolate(points, want)
    plan = _Plan(plan.gains, gain, plan.ceiling_dbfs)
    if _GRID_DB[0] <= gain <= _GRID_DB[-1]:
        return plan
    for _ in range(_REFINE_PASSES):  # outside the grid: an unusually peaky or dense input, refine by measuring
        level = _measure(parts, plan, config).integrated_lufs
        if abs(want - level) <= config.tolerance_lu / 2:
            break
        points = sorted([*points, (gain, level)])
        gain = _interpolate(points, want)
        plan = _Plan(plan.gains, gain, plan.ceiling_dbfs)
    return plan


def render(parts: Sequence[Decoded], dst: Path, *, config: PipelineConfig) -> Rendered:
    """Join ``parts`` in order (each brought to the target first), process, encode to ``dst`` and verify."""
    if not parts:
        raise AudioProcessingError("nothing to render")
    target = config.target_lufs
    gains = tuple(target - p.loudness.integrated_lufs for p in parts)
    plan = _solve_makeup(parts, _Plan(gains, 0.0, config.ceiling_dbfs), config)
    fade = round(config.crossfade_ms / 1000 * config.sample_rate)
    samples = sum(p.samples for p in parts) - fade * (len(parts) - 1)
    for encodes in range(1, _MAX_REENCODES + 2):
        mp3, out = _encode(parts, plan, config, dst)
        loud_ok = abs(out.integrated_lufs - target) <= config.tolerance_lu
        peak_ok = out.peak_dbfs <= config.true_peak_dbtp
        if (loud_ok and peak_ok) or encodes > _MAX_REENCODES:
            return Rendered(mp3=mp3, samples=samples, output=out, encodes=encodes)
        ceiling = plan.ceiling_dbfs - (0.0 if peak_ok else out.peak_dbfs - config.true_peak_dbtp + 0.2)
        makeup = plan.makeup_db + (0.0 if loud_ok else target - out.integrated_lufs)
        plan = _Plan(plan.gains, makeup, ceiling)
    raise AssertionError("unreachable")
