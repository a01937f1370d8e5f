"""The shape of the code, held by tests: no import cycles, modules short enough to read in one
sitting (or saying why not), one definition of each code pattern, and a registry that every
dataset is really in."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.helpers import ROOT
from transforms import codes
from tthc.datasets import DATASETS, KINDS, TRACKING

PACKAGES = ["tthc", "extractors", "transforms", "loaders", "expectations", "reconcile"]
PACKAGES += ["simulator", "bench", "dags"]
LONGEST = 400  # lines; a longer module says why at its top ("Long because …")


def product_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(path: Path, modules: set[str], name: str) -> set[str]:
    """The project's modules that ``path`` imports, at its top or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per dot past the first
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else base)
    return {m for m in found if m in modules and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    modules = product_modules()
    graph = {name: imports_of(path, set(modules), name) for name, path in modules.items()}
    assert graph["tthc.pipeline.load"] >= {"tthc.datasets", "loaders.staging"}  # it reads them
    assert cycles(graph) == []


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_modules_are_short_or_say_why():
    long = {}
    for name, path in product_modules().items():
        source = path.read_text(encoding="utf-8")
        lines = source.count("\n")
        docstring = ast.get_docstring(ast.parse(source)) or ""
        if lines > LONGEST and "Long because" not in docstring:
            long[name] = lines
    assert long == {}


@pytest.mark.parametrize(
    ("suite", "column", "pattern"),
    [
        ("province_items", "procedure_code", codes.PROCEDURE_CODE),
        ("province_items", "local_service_code", codes.LOCAL_SERVICE_CODE),
        ("province_decisions", "number_norm", codes.DECISION_NUMBER),
        ("national_decisions", "number_norm", codes.DECISION_NUMBER),
        ("national_agencies", "code", codes.AGENCY_CODE),
    ],
)
def test_suites_check_the_code_patterns_the_transforms_define(suite, column, pattern):
    spec = json.loads((ROOT / "expectations" / "suites" / f"{suite}.json").read_text())
    regexes = {
        e["kwargs"]["regex"]
        for e in spec["expectations"]
        if e["type"] == "expect_column_values_to_match_regex" and e["kwargs"]["column"] == column
    }
    assert regexes == {pattern}


def test_every_dataset_has_a_suite_a_table_and_a_kind():
    suites = {p.stem for p in (ROOT / "expectations" / "suites").glob("*.json")}
    written = {name for kind in KINDS.values() for name in kind.datasets}
    assert {d.suite for d in DATASETS.values()} == suites
    assert written == set(DATASETS)
    for dataset in DATASETS.values():
        assert dataset.key and dataset.sources, dataset.name
        assert dataset.parent is None or dataset.parent in DATASETS


# What every suite holds, whatever its dataset: a row without its key, and text that cannot be
# stored, never load.
EVERY_SUITE = {
    ("expect_column_values_to_not_be_null", "row_key"),
    ("expect_column_values_to_be_null", "text_problem"),
}


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_every_suite_holds_rows_without_a_key_and_text_that_is_not_text(dataset):
    suite = json.loads((ROOT / "expectations" / "suites" / f"{dataset}.json").read_text())
    critical = {
        (e["type"], e["kwargs"].get("column"))
        for e in suite["expectations"]
        if e["severity"] == "critical"
    }
    assert EVERY_SUITE <= critical


# Columns a table requires that the suite need not check: set by the run itself, or derived
# from a column the suite does check.
DERIVED = {"province_code", "number_raw", "name_key"}


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_what_a_table_requires_its_suite_checks(dataset):
    """A required column left null fails the load as a database error without naming the row;
    the suite must hold such rows instead."""
    spec = DATASETS[dataset]
    suite = json.loads((ROOT / "expectations" / "suites" / f"{dataset}.json").read_text())
    checked = {
        e["kwargs"].get("column")
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_not_be_null" and e["severity"] == "critical"
    }
    required = {
        c.name
        for c in spec.table.columns
        if not c.nullable and not c.primary_key and c.name not in TRACKING
    }
    assert required - checked - DERIVED == set()
