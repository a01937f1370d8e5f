"""The step runner shared by the CLI, the DAG tasks and the bench:
extract -> transform -> validate -> load, one module per step.

Steps pass a small JSON-able ``RunRef`` (``runs``), never data: raw pages land under
``<landing_dir>/<run_id>/`` (``extract``), and each step's tables are Parquet under
``<run_files_dir>/<run_id>/`` (``files.RunFiles``), local folders or object-store URLs.
Validation also stages the rows in the mirror's database (``loaders.staging``) for the load to
merge. The load of a run is one transaction: a crash leaves the mirror as it was before the
run. Which datasets a run reads and writes is ``tthc.datasets``.

The steps are named as their modules, and here the function wins: ``pipeline.validate`` is the
step; its module is ``importlib.import_module("tthc.pipeline.validate")``. Sizes a test may
shrink are in ``tthc.pipeline.sizes``.
"""

import logging
from typing import Any

from extractors.urls import redact
from tthc.pipeline.extract import extract
from tthc.pipeline.load import load
from tthc.pipeline.runs import (
    COUNT_KEYS,
    RunRef,
    begin,
    finish,
    landing,
    new_run,
    run_files,
    summary,
    working,
)
from tthc.pipeline.transform import transform
from tthc.pipeline.validate import validate
from tthc.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "COUNT_KEYS",
    "RunRef",
    "begin",
    "extract",
    "finish",
    "landing",
    "load",
    "new_run",
    "run_files",
    "summary",
    "sync",
    "transform",
    "validate",
    "working",
]


def sync(settings: Settings, run: RunRef) -> dict[str, Any]:
    """Every step of a run in this process (the CLI's way; the DAGs run the same steps as
    tasks), with the outcome recorded in the ledger whatever happens, and a summary returned
    even when the mirror cannot be reached to record it."""
    try:
        begin(settings, run)
    except Exception as exc:  # nothing ran, and the ledger may be out of reach: say why
        log.exception("run %s could not start", run.run_id)
        return summary(run, None, _why(exc))
    try:
        with working(settings, run):
            for step in (extract, transform, validate):
                run = step(settings, run)
            result = summary(run, load(settings, run))
    except Exception as exc:  # the ledger must say why; the caller still sees the failure
        log.exception("run %s failed", run.run_id)
        result = summary(run, None, _why(exc))
    try:
        return finish(settings, run, result)
    except Exception as exc:
        log.exception("run %s could not be closed in the ledger", run.run_id)
        closing = f"the ledger could not record the outcome: {_why(exc)}"
        error = f"{result['error']}; {closing}" if result["error"] else closing
        return summary(run, result["datasets"], error)


def _why(exc: BaseException) -> str:
    """An error as a run summary says it: its kind and message, no credentials."""
    return redact(f"{type(exc).__name__}: {exc}")
