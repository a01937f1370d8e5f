"""The extract step: land every page and file the run's kind reads, raw, under
``<landing_dir>/<run_id>/`` (``extractors.landing``). Which sources a kind reads is its
``Kind.extracts`` and ``Kind.national`` (``tthc.datasets``)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from extractors.annex import extract_annexes
from extractors.decision_documents import DecisionDocuments
from extractors.http import HttpClient
from extractors.national_portal import ALL_AGENCIES, Cursor, NationalPortal, extract_national
from extractors.province_feed import extract_dossier_stats, extract_province_feed
from loaders import ledger
from loaders.db import make_engine
from loaders.hashes import content_hashes, rows_held, rows_held_by
from loaders.locks import check_free
from transforms import national
from transforms.text import clean_record_text
from tthc import datasets
from tthc.pipeline.runs import RunRef, landing
from tthc.settings import Settings

log = logging.getLogger(__name__)


def client(settings: Settings) -> HttpClient:
    return HttpClient(
        timeout_s=settings.http_timeout_s,
        retries=settings.http_retries,
        backoff_s=settings.http_backoff_s,
        backoff_max_s=settings.http_backoff_max_s,
        rate_limit_per_s=settings.national_rate_limit_per_s or None,
        pool_size=max(8, settings.national_workers),
        deadline_s=settings.http_deadline_s,
    )


def extract(settings: Settings, run: RunRef) -> RunRef:
    engine = make_engine(settings.mirror_url)
    check_free(engine, run.lock_scopes, run.run_id)  # before any request
    kind = datasets.kind(run.kind)
    landed = landing(settings, run)
    landed.clear()  # a retried extract starts over
    http = client(settings)
    try:
        if "province" in kind.extracts:
            province = settings.province(run.province)
            if province.feed:
                extract_province_feed(
                    http, settings.province_feed_url, province.code, landed, settings.page_size
                )
            if sources := [*province.annex_sources, *run.annex_sources]:
                extract_annexes(sources, landed, http, lambda h: _known_annexes(settings, h))
        if kind.national:
            portal = NationalPortal(
                http,
                settings.national_portal_url,
                settings.public_service_portal_url,
                settings.page_size,
            )
            own = kind.national == "province"
            result = extract_national(
                portal,
                landed,
                run.agency_ids or None,
                [settings.province(run.province).national_agency_code] if own else None,
                cursor_for=(lambda scope: None)
                if run.full
                else lambda scope: _cursor(settings, scope, run.since),
                # Reconciliation needs the publicized list; a national pass takes it when full.
                publicized=own or run.full,
                workers=settings.national_workers,
                held_for=lambda scope: _decisions_held(settings, scope),
                lists_held=lambda decision_id: _lists_held(settings, decision_id),
                floor=settings.row_count_floor,
                # The signed documents of the province's own decisions (not of every agency).
                documents=DecisionDocuments(
                    portal,
                    landed,
                    lambda codes: _documents_held(settings, codes),
                    settings.national_download_url or None,
                ).fetch
                if own
                else None,
            )
            run.scopes = result.scopes
            log.info(
                "%s: %d decisions listed, the lists of %d fetched",
                run.run_id,
                result.decisions_listed,
                result.decisions_fetched,
            )
        if "dossier_stats" in kind.extracts:
            extract_dossier_stats(
                http,
                settings.dossier_stats_url,
                run.province,
                run.period,
                landed,
                settings.page_size,
            )
    finally:
        http.close()
        run.requests = http.requests_sent
        log.info("%s: %d requests", run.run_id, http.requests_sent)
    return run


def _cursor(settings: Settings, scope: str, since: str | None) -> Cursor:
    """The mirror's side of an incremental listing pass: its watermark, and which rows differ."""
    engine = make_engine(settings.mirror_url)
    decisions = datasets.DATASETS["national_decisions"]
    with engine.connect() as conn:
        mark = ledger.watermark(conn, "national_decisions", f"agency:{scope}")
    lookback = timedelta(days=settings.national_lookback_days)
    cutoff = date.fromisoformat(since) if since else (mark - lookback if mark else None)

    def changed(rows: list[dict]) -> list[bool]:
        rows = clean_record_text(rows)[0]  # as the transform will read them
        df = decisions.hashed(national.national_decisions([("listing", {}, rows)]))
        ids = df["decision_id"].dropna().tolist()
        with engine.connect() as conn:
            known = content_hashes(conn, decisions.table, "decision_id", ids)
        return [
            known.get(i) != h for i, h in zip(df["decision_id"], df["content_hash"], strict=True)
        ]

    return Cursor(changed, cutoff)


def _decisions_held(settings: Settings, scope: str) -> int:
    """The national decisions the mirror holds of an agency (``-1``: of all)."""
    table = datasets.DATASETS["national_decisions"].table
    column = None if scope == ALL_AGENCIES else "agency_id"
    with make_engine(settings.mirror_url).connect() as conn:
        return rows_held(conn, table, column, scope)


def _lists_held(settings: Settings, decision_id: str) -> dict[str, int]:
    """The rows the mirror holds of a national decision's lists: by kind, and ``fields``."""
    procedures = datasets.DATASETS["national_procedures"].table
    fields = datasets.DATASETS["national_decision_fields"].table
    with make_engine(settings.mirror_url).connect() as conn:
        held = rows_held_by(conn, procedures, "decision_id", decision_id, "list_kind")
        held["fields"] = rows_held(conn, fields, "decision_id", decision_id)
    return held


def _documents_held(settings: Settings, codes: list[str]) -> set[str]:
    """The attachments (by download code) a committed run has landed: not downloaded again."""
    table = datasets.DATASETS["national_documents"].table
    with make_engine(settings.mirror_url).connect() as conn:
        return set(content_hashes(conn, table, "code", codes))


def _known_annexes(settings: Settings, hashes: list[str]) -> set[str]:
    with make_engine(settings.mirror_url).connect() as conn:
        return ledger.known_annexes(conn, hashes)
