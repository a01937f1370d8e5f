"""Run the suites with Great Expectations and split rows by severity.

Severity is the suite's own ``severity`` field, so which checks are which is data, not code:
- ``critical``: the failing rows are quarantined; the rest load;
- ``warning``: the rows load and the failure is recorded (flagged);
- a failing whole-table (non row-level) ``critical`` expectation stops the load
  (``Validated.stopped`` says why; the pipeline raises ``ValidationStopped``).
``great_expectations`` is imported inside these functions only: it costs seconds to import.
"""

from __future__ import annotations

import html
import json
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SUITES_DIR = Path(__file__).parent / "suites"
EARLIEST_DATE = pd.Timestamp("2010-01-01")
FLAGS = ["decision_known"]  # columns validation adds for the suites, not part of the data


class ValidationStopped(RuntimeError):
    """A whole-table expectation failed: nothing of the dataset may load."""


@dataclass
class ExpectationOutcome:
    expectation: str  # the suite's own name for it (meta.name)
    type: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int
    element_count: int
    reason: str


def combine_outcomes(chunks: list[list[ExpectationOutcome]]) -> list[ExpectationOutcome]:
    """One outcome per expectation over a table validated chunk by chunk: met only if met in
    every chunk, with the chunks' counts added."""
    combined = list(chunks[0])
    for outcomes in chunks[1:]:
        combined = [
            replace(
                a,
                success=a.success and b.success,
                unexpected_count=a.unexpected_count + b.unexpected_count,
                element_count=a.element_count + b.element_count,
            )
            for a, b in zip(combined, outcomes, strict=True)
        ]
    return combined


@dataclass
class Validated:
    dataset: str
    rows: pd.DataFrame  # the rows validated, by position
    reasons: dict[int, list[dict]]  # why each quarantined row (by position) is held
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    stopped: str | None = None  # why nothing of the dataset may load, if a table check failed

    @property
    def valid(self) -> pd.DataFrame:
        if not self.reasons:
            return self.rows
        return self.rows.drop(index=list(self.reasons)).reset_index(drop=True)

    @property
    def quarantined(self) -> pd.DataFrame:
        """The failing rows with a ``reasons`` column, indexed by their positions."""
        held = self.rows.loc[sorted(self.reasons)]
        return held.assign(reasons=[self.reasons[i] for i in held.index])

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes if o.severity == "critical")


def load_suite_json(name: str) -> dict[str, Any]:
    return json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def suite_columns(name: str) -> list[str]:
    """The data columns the suite reads (its expectations' and their detail columns), without
    the flags validation adds; validating them alone reads less."""
    columns: set[str] = set()
    for spec in load_suite_json(name)["expectations"]:
        kwargs, meta = spec["kwargs"], spec.get("meta") or {}
        columns.update(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
        columns.update(kwargs.get("column_list", []))
        if meta.get("detail_column"):
            columns.add(meta["detail_column"])
    return sorted(columns - set(FLAGS))


def _escaped(value: Any) -> Any:
    """``value`` with every text in it HTML-escaped, for display by Data Docs."""
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


def _outcome(
    spec: dict[str, Any], success: bool, unexpected: int, elements: int
) -> ExpectationOutcome:
    meta = spec.get("meta") or {}
    return ExpectationOutcome(
        expectation=meta.get("name") or spec["type"],
        type=spec["type"],
        column=_columns(spec["kwargs"]),
        severity=spec.get("severity", "critical"),
        success=success,
        unexpected_count=unexpected,
        element_count=elements,
        reason=meta.get("reason") or spec["type"],
    )


def _columns(kwargs: dict[str, Any]) -> str | None:
    columns = kwargs.get("column_list") or [
        kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs
    ]
    return ", ".join(columns) or None


def _bounds(kwargs: dict[str, Any], params: dict[str, Any]) -> str:
    def value(v: Any) -> Any:
        return params.get(v["$PARAMETER"]) if isinstance(v, dict) and "$PARAMETER" in v else v

    low, high = value(kwargs.get("min_value")), value(kwargs.get("max_value"))
    return f"between {low} and {high}" if high is not None else f"at least {low}"


def set_gx_log_level(level: str) -> None:
    """Great Expectations' loggers at ``level``: its own, and those of its modules that set a
    level of their own (``data_context.types.base`` sets INFO when imported)."""
    logging.getLogger("great_expectations").setLevel(level.upper())
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger):
            if logger.level != logging.NOTSET:
                logger.setLevel(level.upper())


class Validator:
    """One Great Expectations context for a run; Data Docs accumulate under ``docs_dir``."""

    def __init__(self, docs_dir: Path | None, log_level: str = "WARNING") -> None:
        """``docs_dir=None`` validates without writing Data Docs. GX logs at INFO on its own
        (about 200 lines a run of nothing an engineer acts on): ``log_level`` quiets it."""
        set_gx_log_level(log_level)
        # Usage analytics would post to GX's servers from a background thread: not from here.
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx

        set_gx_log_level(log_level)  # again: importing it set one of its loggers to INFO
        from great_expectations.execution_engine import pandas_execution_engine

        # GX hashes every pandas batch under 1 GB into a fingerprint nothing here reads: a
        # second and a half a million rows. Batches are known by run, dataset and chunk.
        pandas_execution_engine.HASH_THRESHOLD = 0
        self.gx = gx
        self.docs_dir = Path(docs_dir) if docs_dir else None
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = {"globally": False}
        if self.docs_dir:
            self.context.add_data_docs_site(
                site_name="tthc",
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(self.docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        self.source = self.context.data_sources.add_pandas("tthc")
        self._checkpoints: dict[str, Any] = {}

    def suite(self, name: str):
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )

        spec = load_suite_json(name)
        return self.gx.ExpectationSuite(
            name=spec["name"],
            expectations=[
                ExpectationConfiguration(**e).to_domain_obj() for e in spec["expectations"]
            ],
        )

    def build_docs(self) -> Path | None:
        """Render Data Docs of every validation this context ran; return the index.

        Great Expectations writes the values it shows (a failing row's values) into its pages
        unescaped: a ``<script>`` sent by a source would run in the auditors' browser, inside
        the origin of the app that serves the pages. So the stored results' values are
        HTML-escaped first; the validation has already been computed on the values as sent."""
        if not self.docs_dir:
            return None
        store = self.context.validation_results_store
        for key in store.list_keys():
            result = store.get(key)
            for outcome in result.results:
                outcome.result = _escaped(outcome.result)
            store.set(key, result)
        self.context.build_data_docs(site_names=["tthc"])
        return self.docs_dir / "index.html"

    def _checkpoint(self, dataset: str):
        """The dataset's suite, batch and checkpoint, made once per context."""
        gx = self.gx
        if dataset in self._checkpoints:
            return self._checkpoints[dataset]
        suite = self.context.suites.add(self.suite(dataset))
        asset = self.source.add_dataframe_asset(dataset)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(
                name=dataset, data=asset.add_batch_definition_whole_dataframe(dataset), suite=suite
            )
        )
        self._checkpoints[dataset] = self.context.checkpoints.add(
            gx.Checkpoint(
                name=dataset,
                validation_definitions=[definition],
                actions=[],  # Data Docs are built once, by build_docs()
                result_format={"result_format": "COMPLETE"},
            )
        )
        return self._checkpoints[dataset]

    @staticmethod
    def _nothing_to_check(dataset: str, df: pd.DataFrame) -> Validated:
        """No rows and no row count to reach: every expectation holds (GX costs a second)."""
        outcomes = [_outcome(e, True, 0, 0) for e in load_suite_json(dataset)["expectations"]]
        return Validated(dataset, df, {}, outcomes)

    def validate(
        self, dataset: str, df: pd.DataFrame, parameters: dict[str, Any] | None = None
    ) -> Validated:
        """``parameters``: the suites' ``$PARAMETER`` values, and ``known_decision_ids`` (the
        parent dataset's valid decisions), which becomes the ``decision_known`` flag the child
        suites check. A flag, not a GX value_set: GX copies a value_set on every access, which
        costs seconds per chunk once a run has thousands of decisions."""
        params = {
            "earliest_date": EARLIEST_DATE,
            "today": pd.Timestamp.today().normalize(),
            "min_rows": 0,  # no floor unless the caller knows the last run's count
            **(parameters or {}),
        }
        known = params.pop("known_decision_ids", None)
        df = df.reset_index(drop=True)
        if known is not None:  # Arrow's is_in: pandas' isin on Arrow strings loops in Python
            ids = pa.array(df["decision_id"], type=pa.string(), from_pandas=True)
            flags = pc.is_in(ids, value_set=pa.array(list(known), type=pa.string()))
            df = df.assign(decision_known=flags.to_numpy(zero_copy_only=False))
        if df.empty and not params["min_rows"]:
            return self._nothing_to_check(dataset, df.drop(columns=FLAGS, errors="ignore"))
        checkpoint = self._checkpoint(dataset)
        run = checkpoint.run(batch_parameters={"dataframe": df}, expectation_parameters=params)
        (result,) = run.run_results.values()

        reasons: dict[int, list[dict]] = {}
        outcomes, stopped = [], []
        for r in result.results:
            config = r.expectation_config
            meta = config.meta or {}
            severity = getattr(config.severity, "value", str(config.severity)).lower()
            spec = {
                "type": config.type,
                "kwargs": config.kwargs,
                "meta": meta,
                "severity": severity,
            }
            outcome = _outcome(
                spec,
                bool(r.success),
                int(r.result.get("unexpected_count") or 0),
                int(r.result.get("element_count") or len(df)),
            )
            outcomes.append(outcome)
            if r.success or severity != "critical":
                continue
            if r.exception_info and r.exception_info.get("raised_exception"):
                stopped.append(
                    f"{dataset}: {outcome.expectation} could not run: "
                    f"{r.exception_info.get('exception_message')}"
                )
                continue
            rows = r.result.get("unexpected_index_list")
            if rows is None:
                stopped.append(
                    f"{dataset}: {outcome.expectation} failed for the whole table "
                    f"({outcome.reason}; observed {r.result.get('observed_value')}, expected "
                    f"{_bounds(config.kwargs, params)})"
                )
                continue
            detail = meta.get("detail_column")  # a column saying why, row by row
            for index in rows:
                index = index if isinstance(index, int) else int(next(iter(index.values())))
                reasons.setdefault(index, []).append(
                    {
                        "expectation": outcome.expectation,
                        "column": outcome.column,
                        "reason": f"{outcome.reason}: {df.at[index, detail]}"
                        if detail
                        else outcome.reason,
                    }
                )
        df = df.drop(columns=FLAGS, errors="ignore")
        return Validated(dataset, df, reasons, outcomes, "; ".join(stopped) or None)
