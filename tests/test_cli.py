"""The ``tthc`` command as a person meets it: examples that work, arguments checked before any
work, dates as Vietnamese documents write them, and errors that say what to do."""

import json
import shlex
from datetime import date

import pytest

from tests.helpers import sync_dataset
from tthc.cli import build_parser, main
from tthc.cli_args import EXAMPLES, day_arg


def test_every_help_example_works_on_the_bundled_data(
    simulator, env_settings, tmp_path, monkeypatch, capsys
):
    env_settings(simulator.url)
    monkeypatch.chdir(tmp_path)
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    for example in EXAMPLES:
        assert example in shown
        assert main(shlex.split(example)[1:]) == 0, (example, capsys.readouterr())
    assert (tmp_path / "q2.html").read_text(encoding="utf-8").startswith("<!doctype html>")


@pytest.mark.parametrize("text", ["2020-05-01", "01/05/2020", " 1/5/2020 "])
def test_dates_are_read_iso_or_day_first(text):
    assert day_arg(text) == date(2020, 5, 1)


@pytest.mark.parametrize(
    "argv, says",
    [
        (["mirror", "procedure", "1.000758", "--as-of", "31/02/2020"], "not a date: '31/02/2020'"),
        (["report", "quarterly", "--period", "2020-Q5"], "period must look like 2020-Q2"),
        (["reconcile", "--period", "Q2-2020"], "period must look like 2020-Q2"),
        (["sync", "dossier-stats", "--period", "2020-2"], "period must look like 2020-Q2"),
        (["sync", "national", "--since", "2020-13-01"], "not a date"),
    ],
)
def test_a_bad_argument_stops_before_any_work(argv, says, env_settings, tmp_path, capsys):
    env_settings("http://127.0.0.1:9")  # nothing may be fetched
    assert main(argv) == 2
    assert says in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # no mirror, no landing, no run folder


def test_a_read_without_a_mirror_says_what_to_run_and_creates_nothing(
    env_settings, tmp_path, capsys
):
    env_settings("http://127.0.0.1:9")
    for argv in (
        ["mirror", "stats"],
        ["report", "quarterly", "--province", "06", "--period", "2020-Q2"],
        ["mirror", "procedure", "2.000432", "--province", "06"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "there is no mirror at" in err and "tthc db upgrade" in err, err
        assert "Traceback" not in err
    assert not list(tmp_path.iterdir())


@pytest.fixture
def bundled(tmp_path, env_settings, monkeypatch):
    """The bundled data synced (publications and 2020-Q2 statistics), the CLI pointed at it."""
    settings = sync_dataset(tmp_path / "synced")
    monkeypatch.setenv("TTHC_MIRROR_URL", settings.mirror_url)
    env_settings("http://127.0.0.1:9")  # nothing is fetched by the reads below
    return settings


def test_a_procedures_versions_show_their_dates(bundled, capsys):
    argv = ["mirror", "procedure", "2.000432", "--province", "06", "--as-of", "01/04/2020"]
    assert main(argv) == 0, capsys.readouterr().err
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("* v1 2020-03-10 .. 2020-04-19 "), lines  # in force on 1 April
    assert lines[1].startswith("  v2 2020-04-19 .. now "), lines
    assert "<10" not in "".join(lines)


def test_a_report_for_a_period_with_nothing_synced_fails_and_writes_nothing(
    bundled, tmp_path, capsys
):
    out = tmp_path / "2019-Q1.html"
    argv = ["report", "quarterly", "--province", "06", "--period", "2019-Q1"]
    assert main([*argv, "--format", "html", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nothing synced for province 06 in 2019-Q1" in err and "tthc sync dossier-stats" in err
    assert not out.exists()


def test_a_report_missing_one_side_says_which(bundled, capsys):
    """2020-Q3: its national decisions were synced (one publicized in July), its statistics
    were not."""
    assert main(["report", "quarterly", "--province", "06", "--period", "2020-Q3"]) == 0
    captured = capsys.readouterr()
    assert "no Form 06 statistics of province 06 for 2020-Q3 synced" in captured.err
    report = json.loads(captured.out)
    assert report["coverage"]["06"]["dossier_stats_run"] is None
    assert report["coverage"]["06"]["publications_run"]


def test_the_parser_checks_every_period_and_date_argument():
    """Every --period and every date-like option has a checking type, so none reaches a run."""
    parser = build_parser()
    unchecked = []

    def walk(p, path):
        for action in p._actions:
            if action.choices and isinstance(action.choices, dict):
                for name, child in action.choices.items():
                    walk(child, f"{path} {name}")
            elif action.dest in ("period", "as_of", "since") and action.type is None:
                unchecked.append(f"{path} --{action.dest}")

    walk(parser, "tthc")
    assert not unchecked
