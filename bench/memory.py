"""The peak memory of a process and its worker processes, sampled from a process of its own,
so the measured one runs as it would (no sampling thread in it). Memory is PSS summed over
the tree: pages a forked worker shares with its parent count once, split between them.

``python -m bench.memory PID FILE INTERVAL_S`` appends ``<time> <bytes>`` lines to FILE until
PID exits."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pyarrow as pa


def tree_pss(root: psutil.Process, me: int) -> int:
    total = 0
    for process in [root, *root.children(recursive=True)]:
        if process.pid != me:
            with contextlib.suppress(psutil.Error):  # a worker that just exited
                total += process.memory_full_info().pss
    return total


def sample(pid: int, out: Path, interval_s: float) -> None:
    root, me = psutil.Process(pid), os.getpid()
    with out.open("a") as f:
        while root.is_running():
            with contextlib.suppress(psutil.NoSuchProcess):
                f.write(f"{time.time()} {tree_pss(root, me)}\n")
                f.flush()
            time.sleep(interval_s)


class PeakMemory:
    """Peak memory by phase, in MB. Each phase starts with what earlier ones freed handed back
    to the OS, so its peak is its own. Samples are taken every ``interval_s``: reading PSS
    walks each process's pages, and sampling more often would take CPU from what is measured."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self.by_phase: dict[str, int] = {}
        self._file = Path(tempfile.mkstemp(prefix="tthc-bench-memory-")[1])
        command = ["-m", "bench.memory", str(os.getpid()), str(self._file), str(interval_s)]
        self._sampler = subprocess.Popen([sys.executable, *command])
        self._started = time.time()
        self._samples_since(self._started)  # the sampler is running before any phase starts

    def start(self) -> None:
        gc.collect()
        pa.default_memory_pool().release_unused()
        with contextlib.suppress(OSError, AttributeError):  # glibc only
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        self._started = time.time()

    def stop(self, phase: str) -> None:
        """The phase's peak: its samples and the first one after its end, which a phase
        shorter than the interval would otherwise go without."""
        ended = time.time()
        samples = self._samples_since(self._started)
        after = min(at for at, _ in samples if at >= ended)
        peak = max(size for at, size in samples if at <= after)
        self.by_phase[phase] = round(peak / 2**20)

    def _samples_since(self, started: float, wait_s: float = 30.0) -> list[tuple[float, int]]:
        """The samples taken from ``started``, once one has been taken after now."""
        now, deadline = time.time(), time.time() + wait_s
        while True:
            samples = [
                (float(at), int(size))
                for at, size in (line.split() for line in self._file.read_text().splitlines())
                if float(at) >= started
            ]
            if any(at >= now for at, _ in samples):
                return samples
            if time.time() > deadline or self._sampler.poll() is not None:
                raise RuntimeError("the memory sampler stopped sampling")
            time.sleep(0.05)

    @property
    def peak(self) -> int:
        return max(self.by_phase.values())

    def close(self) -> None:
        self._sampler.terminate()
        self._sampler.wait()
        self._file.unlink(missing_ok=True)


if __name__ == "__main__":
    sample(int(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]))
