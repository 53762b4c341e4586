"""The device audio format and the loudness targets for outdoor horn speakers, with the reasons for each number.

Device format: MP3, mono, 44.1 kHz, 64 kbit/s CBR, no tags, bit-exact (same input → same bytes → one stored file).
A horn speaker on a village pole reproduces roughly 250 Hz–8 kHz; stereo is meaningless on one horn, and 64 kbit/s
mono keeps speech fully intelligible while a 10-minute bulletin stays under 5 MB for devices on 4G. 44.1 kHz is what
every MP3 decoder on the clusters plays without resampling surprises (and what the first intake already produced).

Loudness: integrated −16 LUFS (EBU R128 / ITU-R BS.1770 measurement), true peak ≤ −1 dBTP.
−16 LUFS is the usual target for speech delivered over limited playback chains (AES TD1004 for streaming speech),
louder than broadcast TV's −23 LUFS because a horn in the open competes with traffic and wind, and the amplifier's
volume is set on the device (``set_volume``): our job is that every bulletin arrives at the *same* loudness, so a
commune's level, once set, fits every item. −1 dBTP leaves room for inter-sample peaks and the MP3 decoder's overshoot
so cheap DACs and amplifiers do not clip.

Processing for intelligibility over hi-fi: a 90 Hz high-pass (horns cannot reproduce it; rumble only wastes amplifier
power and headroom) and a 7 kHz low-pass, the band of wideband speech (G.722) and about the top of a horn; the MP3
encoder spends its 64 kbit/s on that band only, which also keeps its coding noise, and so its peak overshoot, small
(measured: 2–2.6 dB of true-peak overshoot at LAME's default 64 kbit/s bandwidth, under 1 dB at 7 kHz). Then a gentle
2:1 compressor above −18 dBFS (quiet syllables stay audible outdoors) and a look-ahead limiter whose ceiling sits 2 dB
under the true-peak limit; the encoded MP3 is measured again and re-encoded if it misses either target.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CONFIG", "PipelineConfig"]


@dataclass(frozen=True)
class PipelineConfig:
    """Everything the pipeline decides by number; defaults are the documented device format and targets."""

    sample_rate: int = 44_100
    bitrate_kbps: int = 64
    lame_quality: int = 5
    """LAME's algorithm quality (0 best/slowest … 9 fastest); 5 is its own default for CBR and ample for speech."""
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    tolerance_lu: float = 0.5
    """Re-encode when the encoded loudness is further than this from the target."""
    limiter_margin_db: float = 2.0
    """The limiter's sample-peak ceiling sits this far under the true-peak limit (inter-sample and MP3 overshoot)."""
    encoder_offset_lu: float = 0.4
    """LAME's output measures this much quieter than its input (measured: 0.4 dB on tones and speech, any bitrate);
    the chain aims this much above the target before encoding."""
    highpass_hz: int = 90
    lowpass_hz: int = 7000
    """Speech band of wideband telephony (G.722: 50 Hz–7 kHz), about what a horn reproduces; the encoder cuts here too."""
    compressor_threshold_dbfs: float = -18.0
    compressor_ratio: float = 2.0
    silence_lufs: float = -60.0
    """Integrated loudness below this is silence (BS.1770 gating floors at −70 LUFS)."""
    silence_peak_dbfs: float = -60.0
    """A file whose loudest sample is below this is silence whatever its loudness."""
    min_seconds: float = 0.2
    max_seconds: float = 3600.0
    max_bytes: int = 50 * 1024 * 1024
    jingle_max_seconds: float = 30.0
    crossfade_ms: int = 50
    """Crossfade between a jingle and the bulletin: long enough to hide the seam, short enough not to blur words."""
    timeout_s: float = 300.0
    """Longest any single ffmpeg run may take."""

    @property
    def ceiling_dbfs(self) -> float:
        """The limiter's sample-peak ceiling."""
        return self.true_peak_dbtp - self.limiter_margin_db


DEFAULT_CONFIG = PipelineConfig()
