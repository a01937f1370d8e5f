"""Load: the mirror's schema, idempotent upserts, the run ledger, quarantine and validation
history. SQLite by default, PostgreSQL in production, through the same code."""
