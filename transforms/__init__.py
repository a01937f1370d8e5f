"""Transform: pure functions from landed records to canonical tables (pandas). No I/O."""
