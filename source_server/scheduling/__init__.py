"""Programmes: slots, items, placement checks, timing, and the leader's sync that sends them ahead."""
