"""The ``tthc`` command: the pipeline's steps without Airflow (the README's "Commands")."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from tthc.cli_args import day_arg, period_arg, with_examples
from tthc.settings import Settings, get_settings


def _default_province(settings: Settings, given: str | None) -> str:
    """The province asked for, or else the only one configured as synced."""
    if given:
        settings.province(given)  # fails clearly when it is not configured
        return given
    synced = [code for code, p in settings.provinces.items() if p.synced]
    if len(synced) == 1:
        return synced[0]
    raise SystemExit("--province is required: more than one province is synced")


def _print_summary(result: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"run {result['run_id']}: {result['status']}")
        if result["error"]:
            print(f"error: {result['error']}")
        header = (
            "dataset",
            "extracted",
            "inserted",
            "updated",
            "unchanged",
            "quarantined",
            "duplicates",
        )
        print("{:<26}{:>10}{:>10}{:>10}{:>10}{:>12}{:>11}".format(*header))
        for name, c in result["datasets"].items():
            print(
                "{:<26}{:>10}{:>10}{:>10}{:>10}{:>12}{:>11}".format(
                    name, *(c[k] for k in header[1:])
                )
            )
    return 0 if result["status"] == "success" else 1


def cmd_db_upgrade(args, settings: Settings) -> int:
    from loaders.db import make_engine, upgrade

    upgrade(make_engine(settings.mirror_url))
    print(f"mirror at {make_engine(settings.mirror_url).url!r} is at the latest schema")
    return 0


def cmd_sync(args, settings: Settings) -> int:
    from tthc import datasets, pipeline

    needs_province = datasets.kind(args.kind).needs_province
    province = _default_province(settings, args.province) if needs_province else None
    run = pipeline.new_run(
        args.kind,
        province=province,
        period=getattr(args, "period", None),
        agency_ids=getattr(args, "agency_id", None),
        full=getattr(args, "full", False),
        since=args.since.isoformat() if getattr(args, "since", None) else None,
        annex_sources=getattr(args, "annex", None),
    )
    with _terminated_as_failure():
        return _print_summary(pipeline.sync(settings, run), args.json)


class Terminated(Exception):
    """SIGTERM: the run stops where it is and is closed as failed (an Exception, not a
    SystemExit, so the runner records it like any other failure)."""


@contextmanager
def _terminated_as_failure():
    def stop(signum, frame):
        raise Terminated(f"stopped by {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_reconcile(args, settings: Settings) -> int:
    from loaders.db import open_mirror
    from reconcile.run import reconcile

    province = _default_province(settings, args.province)
    result, _ = reconcile(
        open_mirror(settings.mirror_url),
        settings.rules,
        province,
        args.period,
        args.as_of,
        include_predecessors=args.include_predecessors,
    )
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"run {result['run_id']}: {result['status']}")
        for name, n in result.get("classes", {}).items():
            print(f"  {name:<30}{n:>6}")
    return 0 if result["status"] == "success" else 1


def cmd_report_quarterly(args, settings: Settings) -> int:
    from loaders.db import open_mirror
    from reconcile.quarterly import quarterly_report
    from reconcile.render import WRITERS, write_report

    province = _default_province(settings, args.province)
    with open_mirror(settings.mirror_url).connect() as conn:
        report = quarterly_report(
            conn, settings.rules, province, args.period, args.as_of, args.include_predecessors
        )
    for covered in report["coverage"].values():
        for missing in covered["missing"]:
            print(f"tthc: warning: {missing}", file=sys.stderr)
    if args.out:
        print(write_report(report, args.format, Path(args.out)))
    elif args.format == "xlsx":
        raise SystemExit("--format xlsx needs --out PATH")
    else:
        sys.stdout.write(WRITERS[args.format](report) + "\n")
    return 0


def cmd_report_validation(args, settings: Settings) -> int:
    from loaders.db import open_mirror
    from tthc.reports import validation_report

    with open_mirror(settings.mirror_url).connect() as conn:
        report = validation_report(conn, settings, args.run)
        if args.html:
            from tthc.reports import write_validation_page

            print(write_validation_page(conn, settings, report["run_id"]))
            return 0
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"run {report['run_id']}; Data Docs: {report['data_docs_index']}")
        for suite in report["suites"]:
            print(f"  {suite['name']:<28}{'ok' if suite['success'] else 'FAILED'}")
        for dataset, q in report["quarantined"].items():
            print(f"  quarantined {dataset}: {q['rows']}")
    return 0


def cmd_mirror_stats(args, settings: Settings) -> int:
    from loaders.db import open_mirror
    from tthc.reports import mirror_stats

    with open_mirror(settings.mirror_url).connect() as conn:
        stats = mirror_stats(conn)
    if args.json:
        print(json.dumps(stats))
    else:
        for table, n in stats.items():
            print(f"{table:<28}{n:>10}")
    return 0


def cmd_mirror_procedure(args, settings: Settings) -> int:
    from loaders import history
    from loaders.db import open_mirror

    province = _default_province(settings, args.province)
    with open_mirror(settings.mirror_url).connect() as conn:
        versions = history.history(conn, province, args.code)
        current = history.version_on(conn, province, args.code, args.as_of or date.today())
    if not versions:
        raise ValueError(f"procedure {args.code} has no history in province {province}")
    if args.json:
        print(
            json.dumps(
                {
                    "province": province,
                    "procedure_code": args.code,
                    "on": current,
                    "versions": versions,
                },
                ensure_ascii=False,
                default=str,
            )
        )
        return 0
    for v in versions:
        mark = "*" if current and v["version_no"] == current["version_no"] else " "
        print(
            f"{mark} v{v['version_no']} {v['valid_from']} .. {str(v['valid_to'] or 'now'):<10} "
            f"{v['status']:<10} {v['action']:<9} {v['decision_number']}  {v['procedure_name']}"
        )
    return 0


def cmd_simulator_serve(args, settings: Settings) -> int:
    from simulator.server import FaultRule, Faults, SimulatorServer

    faults = Faults(*[FaultRule.parse(spec) for spec in args.fault or []])
    server = SimulatorServer(Path(args.data), host=args.host, port=args.port, faults=faults)
    print(f"portal simulator serving {args.data} at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


def cmd_bench(args, settings: Settings) -> int:
    from bench.load import print_report, run_bench

    figures = run_bench(settings.mirror_url, args.rows)
    print_report(figures)
    print(json.dumps(figures))
    return 0


def cmd_demo(args, settings: Settings) -> int:
    from tthc.demo import run_demo

    return run_demo(Path(args.data), args.province, args.period)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tthc", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="the mirror's schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="migrate the mirror to the latest schema").set_defaults(
        func=cmd_db_upgrade
    )

    sync = sub.add_parser("sync", help="sync a source into the mirror").add_subparsers(
        dest="kind", required=True
    )
    pub = sync.add_parser("publications", help="province feed and annex files + national portal")
    pub.add_argument("--province", help="2-digit province code (default: the only synced one)")
    pub.add_argument(
        "--annex",
        action="append",
        metavar="PATH",
        help="a .docx/.xlsx annex file, or a folder of them, or any fsspec URL (repeatable; read "
        "besides the province's configured annex_sources); files already loaded are skipped",
    )
    nat = sync.add_parser("national", help="the national portal only")
    nat.add_argument(
        "--agency-id",
        action="append",
        help="portal agency ID (repeatable; default: every agency the portal lists)",
    )
    nat.add_argument(
        "--since",
        type=day_arg,
        help="read the listing back to this date (2020-05-01 or 01/05/2020)",
    )
    nat.add_argument(
        "--full",
        action="store_true",
        help="read every page and every decision's lists (writes nothing for unchanged rows)",
    )
    stats = sync.add_parser("dossier-stats", help="Form 06 dossier statistics")
    stats.add_argument("--province")
    stats.add_argument(
        "--period", required=True, type=period_arg, help="reporting period, e.g. 2020-Q2"
    )
    for p in (pub, nat, stats):
        p.add_argument("--json", action="store_true", help="print the run summary as JSON")
        p.set_defaults(func=cmd_sync)

    rec = sub.add_parser("reconcile", help="published vs publicized, stored per run")
    rec.add_argument("--province")
    rec.add_argument("--period", required=True, type=period_arg)

    rec.add_argument("--json", action="store_true")
    rec.set_defaults(func=cmd_reconcile)

    report = sub.add_parser("report", help="reports for auditors").add_subparsers(
        dest="report", required=True
    )
    q = report.add_parser("quarterly", help="the quarterly report")
    q.add_argument("--province")
    q.add_argument("--period", required=True, type=period_arg)
    q.add_argument("--format", choices=["json", "html", "xlsx", "csv"], default="json")
    q.add_argument("--out", help="write to this file instead of standard output")

    q.set_defaults(func=cmd_report_quarterly)
    for p in (rec, q):
        p.add_argument(
            "--as-of",
            type=day_arg,
            help="what the mirror knew on this date: decisions signed and procedures publicized "
            "after it are left out, deadlines judged on it (default: today)",
        )
        p.add_argument(
            "--include-predecessors",
            action="store_true",
            help="roll up the provinces merged into this one in 2025 (e.g. 06 into 19)",
        )
    v = report.add_parser("validation", help="a run's validation results")
    v.add_argument("--run", help="run id (default: the latest sync)")
    v.add_argument("--json", action="store_true")
    v.add_argument(
        "--html", action="store_true", help="write the auditors' page and print its path"
    )
    v.set_defaults(func=cmd_report_validation)

    mirror = sub.add_parser("mirror", help="the mirror").add_subparsers(
        dest="mirror", required=True
    )
    ms = mirror.add_parser("stats", help="row counts of the mirror's data tables")
    ms.add_argument("--json", action="store_true")
    ms.set_defaults(func=cmd_mirror_stats)
    mp = mirror.add_parser("procedure", help="a procedure's versions, and the one on a date")
    mp.add_argument("code", help="procedure code, e.g. 2.000432")
    mp.add_argument("--province")
    mp.add_argument(
        "--as-of", type=day_arg, help="the version in force on this date (default: today)"
    )
    mp.add_argument("--json", action="store_true")
    mp.set_defaults(func=cmd_mirror_procedure)

    sim = sub.add_parser("simulator", help="the portal simulator").add_subparsers(
        dest="simulator", required=True
    )
    serve = sim.add_parser("serve", help="serve a dataset over HTTP")
    serve.add_argument("--data", required=True, help="dataset folder (e.g. data/bac-kan-2020-q2)")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback)")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--fault",
        action="append",
        metavar="SPEC",
        help="a fault rule (repeatable), e.g. 'service=*,status=503,every_nth=3' or "
        "'service=get_procedures_by_dp_id_service_v2,truncate=true,first_n=2'; keys: service, "
        "status, retry_after, delay_s, truncate, short_page, repeat_page, first_n, every_nth",
    )
    serve.set_defaults(func=cmd_simulator_serve)

    bench = sub.add_parser("bench", help="the load benchmark, on the PostgreSQL mirror")
    bench.add_argument("--rows", type=int, default=1_000_000)
    bench.add_argument("--json", action="store_true", help="(the JSON line is always printed)")
    bench.set_defaults(func=cmd_bench)

    demo = sub.add_parser("demo", help="what `make run` does: the three DAGs against the simulator")
    demo.add_argument("--data", default=str(Path("data") / "bac-kan-2020-q2"))
    demo.add_argument("--province", default="06")
    demo.add_argument("--period", default="2020-Q2", type=period_arg)
    demo.set_defaults(func=cmd_demo)

    with_examples(parser)
    for name, command in (("sync", sync), ("report", report), ("mirror", mirror)):
        with_examples(sub.choices[name], name)
        for verb, child in command.choices.items():
            with_examples(child, f"{name} {verb}")
    with_examples(rec, "reconcile")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a bad argument (argparse has said which), or --help
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from loaders.db import MirrorNotReady

    try:
        return args.func(args, get_settings())
    except (ValueError, MirrorNotReady) as exc:
        print(f"tthc: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
