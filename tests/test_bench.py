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
