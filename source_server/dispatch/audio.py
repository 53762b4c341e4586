"""Kept only while ``bench/emergency.py`` still imports ``ffmpeg_exe`` from here: use ``source_server.audio``."""

from __future__ import annotations

from source_server.audio.ffmpeg import ffmpeg_exe

__all__ = ["ffmpeg_exe"]
