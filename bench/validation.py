"""How fast the province_items suite validates decision-item rows with Great Expectations, against
a baseline of the same checks written directly in pandas, in one process.

``python -m bench.validation [--rows 1000000]``: prints a table, then JSON as the last line.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import pandas as pd

from expectations.validate import Validator
from transforms.codes import LOCAL_SERVICE_CODE, PROCEDURE_CODE


def items(n: int, bad_every: int = 1000) -> tuple[pd.DataFrame, list[str]]:
    """``n`` annex rows of realistic shape over n/20 decisions, one malformed code in 1,000."""
    rng = np.random.default_rng(7)
    decisions = np.array([f"06-2020-{i:06d}" for i in range(max(1, n // 20))])
    codes = pd.Series(
        [
            f"{a}.{b:06d}"
            for a, b in zip(rng.integers(1, 3, n), rng.integers(0, 10**6, n), strict=True)
        ],
        dtype="string",
    )
    codes[::bad_every] = "1.00758"
    row_no = pd.Series(np.arange(n).astype(str), dtype="string")
    df = pd.DataFrame(
        {
            "decision_id": pd.Series(decisions[rng.integers(0, len(decisions), n)], dtype="string"),
            "item_key": codes + "#" + row_no,
            "procedure_code": codes,
            "local_service_code": pd.Series([None] * n, dtype="string"),
            "procedure_name": pd.Series(["Đăng ký khai sinh"] * n, dtype="string"),
            "action": pd.Series(rng.choice(["new", "amended", "abolished"], n), dtype="string"),
            "row_key": row_no,
        }
    )
    return df, decisions.tolist()


def pandas_baseline(df: pd.DataFrame, known: list[str]) -> int:
    bad = (
        ~df["decision_id"].isin(known)
        | ~df["procedure_code"].str.match(PROCEDURE_CODE, na=True)
        | ~df["local_service_code"].str.match(LOCAL_SERVICE_CODE, na=True)
        | df["procedure_name"].isna()
        | df["action"].isna()
        | df.duplicated(["decision_id", "item_key"], keep=False)
    )
    return int(bad.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    df, known = items(args.rows)
    started = time.perf_counter()
    baseline_bad = pandas_baseline(df, known)
    baseline_s = time.perf_counter() - started
    validator = Validator(None)
    started = time.perf_counter()
    result = validator.validate("province_items", df, {"known_decision_ids": known, "min_rows": 0})
    gx_s = time.perf_counter() - started
    assert len(result.quarantined) == baseline_bad, "GX and the baseline disagree"
    figures = {
        "rows": args.rows,
        "quarantined": baseline_bad,
        "gx_seconds": round(gx_s, 2),
        "gx_rows_per_s": round(args.rows / gx_s),
        "pandas_baseline_seconds": round(baseline_s, 2),
        "gx_to_baseline_time_ratio": round(gx_s / baseline_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(f"{'rows':>10} {'GX s':>7} {'GX rows/s':>11} {'pandas s':>9} {'ratio':>6}")
    print(
        f"{args.rows:>10,} {gx_s:>7.2f} {figures['gx_rows_per_s']:>11,} {baseline_s:>9.2f} "
        f"{figures['gx_to_baseline_time_ratio']:>6}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
