"""Validate: Great Expectations suites, kept as JSON in ``expectations/suites/``, split each
dataset into rows to load and rows to quarantine (with every expectation they failed)."""
