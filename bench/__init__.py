"""Benchmarks: scripts that print figures, run from the checkout (``make bench…``)."""
