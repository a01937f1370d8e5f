"""Work spread over processes keeps the order of its items and fails as the work fails."""

import os

import pytest

from tthc.workers import parallel_map


def pid_and_square(n: int) -> tuple[int, int]:
    if n < 0:
        raise ValueError(f"negative: {n}")
    return os.getpid(), n * n


def test_results_come_in_the_order_of_the_items_from_other_processes():
    results = list(parallel_map(pid_and_square, list(range(12)), workers=2))
    assert [square for _, square in results] == [n * n for n in range(12)]
    assert os.getpid() not in {pid for pid, _ in results}


def test_one_worker_or_one_item_runs_in_this_process():
    for items, workers in (([1, 2, 3], 1), ([4], 2)):
        assert {pid for pid, _ in parallel_map(pid_and_square, items, workers)} == {os.getpid()}


def test_a_failing_item_fails_the_whole_map():
    with pytest.raises(ValueError, match="negative: -1"):
        list(parallel_map(pid_and_square, [1, 2, -1, 3], workers=2))
