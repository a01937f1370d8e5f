"""Work spread over processes, for the steps whose cost is Python's own (parsing, normalizing):
one process runs Python on one core at a time."""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(fn: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    """``map(fn, items)`` in order, across ``workers`` processes (1: in this one; a single item
    is not worth starting them). At most ``workers + 1`` items are in flight, so results never
    pile up when the caller is slower than the workers. ``fn`` and the items must pickle."""
    if workers <= 1 or len(items) <= 1 or multiprocessing.current_process().daemon:
        yield from map(fn, items)  # (a daemon process may not start others)
        return
    workers = min(workers, len(items))
    # Objects the workers inherit are left out of their garbage collection: its passes would
    # write to every inherited page, and each worker would end up with a copy of this heap.
    gc.freeze()
    pool = ProcessPoolExecutor(workers, mp_context=_context())
    try:
        pending = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)
        gc.unfreeze()


def _context() -> multiprocessing.context.BaseContext:
    """fork: workers start at once with the pipeline already imported, and the caller's main
    module is not run again (forkserver and spawn re-run it, which an Airflow task process or
    a script need not survive). Airflow forks its own task processes the same way."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
