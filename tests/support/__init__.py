"""Harnesses shared by the tests and the benches (not shipped: nothing in app/, state/ or workers/ imports them)."""
