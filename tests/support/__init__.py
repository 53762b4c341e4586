"""Shared helpers for the test suite: real brokers and databases on free ports."""
