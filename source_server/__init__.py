"""Nguồn provincial source server."""

__version__ = "0.1.0"
