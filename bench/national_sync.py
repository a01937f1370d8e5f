"""Time and request count of a full national backfill and of an incremental run after 2 new
decisions, against the simulator, at several sizes (default 1,000 and 23,039 decisions).

``python -m bench.national_sync [--sizes 1000 23039] [--workers 8]``: prints a table, then JSON
as the last line. The incremental cost must not grow with the mirror.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from loaders.db import make_engine, upgrade
from simulator import national_dataset
from simulator.server import SimulatorServer
from tthc import pipeline
from tthc.settings import Settings

NEW_DECISIONS = 2


def timed_sync(settings: Settings, **kw) -> dict:
    started = time.perf_counter()
    result = pipeline.sync(settings, pipeline.new_run("national", **kw))
    if result["status"] != "success":
        raise SystemExit(f"sync failed: {result['error']}")
    decisions = result["datasets"]["national_decisions"]
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "requests": result["requests"],
        "decisions_inserted": decisions["inserted"],
    }


def run(size: int, workers: int, root: Path) -> dict:
    before = national_dataset.write(root / f"{size}-before", size, hold_back=NEW_DECISIONS)
    after = national_dataset.write(root / f"{size}-after", size)
    home = root / f"{size}-home"
    mirror = f"sqlite:///{home / 'mirror.sqlite'}"
    home.mkdir()
    upgrade(make_engine(mirror))

    def settings(url: str) -> Settings:
        return Settings(
            home=home,
            mirror_url=mirror,
            national_portal_url=url,
            national_rate_limit_per_s=0,
            national_workers=workers,
        )

    with SimulatorServer(before) as server:
        backfill = timed_sync(settings(server.url))
    with SimulatorServer(after) as server:
        incremental = timed_sync(settings(server.url))
    return {"decisions": size, "backfill": backfill, "incremental": incremental}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 23039])
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(size, args.workers, Path(tmp)) for size in args.sizes]
    print(
        f"{'decisions':>10} {'backfill s':>11} {'requests':>9} {'req/s':>7} "
        f"{'incremental s':>14} {'requests':>9}"
    )
    for r in results:
        b, i = r["backfill"], r["incremental"]
        print(
            f"{r['decisions']:>10,} {b['seconds']:>11} {b['requests']:>9,} "
            f"{b['requests'] / b['seconds']:>7.0f} {i['seconds']:>14} {i['requests']:>9}"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "workers": args.workers,
                "new_decisions": NEW_DECISIONS,
                "results": results,
                "peak_rss_mb": round(peak_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
