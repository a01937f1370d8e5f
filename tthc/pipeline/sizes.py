"""How much of a run's data a step holds at a time. Read when used (``sizes.CHUNK_ROWS``), so a
test can shrink them all and see that nothing but memory changes."""

CHUNK_BYTES = 6 * 2**20  # landed JSON a transform worker parses at a time: ~22,000 feed rows
CHUNK_ROWS = 100_000  # rows in memory at a time, in the steps after transform
# Rows per Great Expectations call: each costs ~0.1 s whatever its size, so they are many; only
# the columns the suite reads are in memory.
VALIDATE_ROWS = 250_000
COPY_ROWS = 25_000  # rows staged per COPY: their CSV is held in memory while it is sent
