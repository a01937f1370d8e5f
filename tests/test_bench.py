"""The benchmark runs and reports what the contract names (figures are for people: not tested)."""

import json

import pytest


@pytest.mark.postgres
def test_bench_prints_its_figures_as_the_last_line(
    pg_server_url, env_settings, capsys, monkeypatch
):
    from tthc.cli import main

    monkeypatch.setenv("TTHC_MIRROR_URL", pg_server_url)
    env_settings("http://127.0.0.1:9")  # the bench fetches nothing
    assert main(["bench", "--rows", "2000", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["rows"] == 2000 and figures["resync_rows_written"] == 0
    for key in ("copy_rows_per_s", "to_sql_rows_per_s", "load_rows_per_s", "end_to_end_rows_per_s"):
        assert figures[key] > 0, key
    assert figures["peak_rss_mb"] > 0
    assert all(mb > 0 for mb in figures["peak_rss_mb_by_phase"].values())  # short phases too
    assert set(figures["whole_pipeline_step_seconds"]) == {"transform", "validate", "load"}


def test_the_documents_bench_prints_rates_and_an_estimate(monkeypatch, capsys):
    import sys

    from bench import documents

    monkeypatch.setattr(sys, "argv", ["bench.documents", "--decisions", "10", "--repeat", "1"])
    documents.main()
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["text_pdf_pages_per_s"] > 0 and figures["scanned_pages_per_s"] > 0
    assert figures["rows_read"]["text"] == figures["rows_read"]["scan"] > 0  # the same annex
    assert figures["first_pass_hours_one_process"] >= 0
