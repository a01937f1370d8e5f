"""A leaf module (nothing to import at DAG parse time): the mark of failures that retrying
cannot change, which Airflow's retry policy fails in one attempt (``tthc.airflow_tasks``)."""


class Permanent(Exception):
    """Mixed into an error that trying again cannot fix: a source's 4xx, a period with nothing
    synced. The message says what to do instead."""
