"""The mirror's tables (SQLAlchemy Core). Alembic migrations in ``loaders/migrations`` create
them; a test holds the migrations and this module to the same schema.

Every data table carries ``content_hash`` (re-syncs skip unchanged rows), ``source_ref`` (the
landed page a row came from), ``first_run_id`` and ``run_id`` (the runs that inserted it and last
changed it)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


def _tracking() -> list[Column]:
    return [
        Column("content_hash", BigInteger, nullable=False),
        Column("source_ref", String(200), nullable=False),
        Column("first_run_id", String(64), nullable=False),
        Column("run_id", String(64), nullable=False),
    ]


province_decisions = Table(
    "province_decisions",
    metadata,
    Column("decision_id", String(64), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("number_raw", String(200), nullable=False),
    Column("number_norm", String(100), nullable=False),
    Column("title", Text),
    Column("signed_date", Date, nullable=False),
    Column("effective_date", Date),
    Column("basis_effective_date", Date),  # the underlying legal document's, when known
    Column("publishes_procedures", Boolean, nullable=False),
    Column("approves_workflows", Boolean, nullable=False),
    *_tracking(),
    # Quarterly figures: decisions of a province signed in a period.
    Index("ix_province_decisions_province_signed", "province_code", "signed_date"),
)

province_items = Table(
    "province_items",
    metadata,
    Column("decision_id", String(64), primary_key=True),
    Column("item_key", String(600), primary_key=True),
    Column("item_no", Integer),
    Column("procedure_code", String(40)),
    Column("local_service_code", String(60)),  # when the annex gave one
    Column("procedure_name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("field", Text),
    Column("level", String(40)),
    Column("agency", Text),
    Column("action", String(20), nullable=False),
    # As the annex gives them (Thời hạn giải quyết, Phí/lệ phí, Căn cứ pháp lý, Ghi chú).
    Column("processing_time", Text),
    Column("fees", Text),
    Column("legal_basis", Text),
    Column("note", Text),
    Column("extra_columns", Text),  # an annex's columns of unknown headers, JSON by header
    *_tracking(),
    # No index on procedure_code: see migration 0010 (bulk loads paid a third of their time
    # for it; a procedure's history scans the rows instead, about 0.1 s a million rows).
)

# Views, described for queries; the migrations create them (``metadata`` holds tables only).
views = MetaData()

# A view over the annex rows and their decisions (migration 0009): versions are read when
# asked, so loads do not rebuild them and they cannot fall behind the decisions they come from.
procedure_versions = Table(
    "procedure_versions",
    views,
    Column("province_code", String(2), primary_key=True),
    Column("procedure_code", String(40), primary_key=True),
    Column("version_no", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),  # exclusive; null = still the current version
    Column("status", String(20), nullable=False),  # in force | abolished
    Column("action", String(20), nullable=False),
    # The annex row that made the version: its name, field, level and agency are read from it.
    Column("decision_id", String(64), nullable=False),
)

province_workflows = Table(
    "province_workflows",
    metadata,
    Column("decision_id", String(64), primary_key=True),
    Column("workflow_no", Integer, primary_key=True),
    Column("procedure_code", String(40)),
    Column("procedure_name", Text),
    Column("steps", Integer),
    Column("processing_days", Integer),
    *_tracking(),
)

national_agencies = Table(
    "national_agencies",
    metadata,
    Column("agency_id", String(20), primary_key=True),
    Column("name", Text, nullable=False),
    Column("code_raw", String(40)),
    Column("code", String(40)),
    *_tracking(),
)

national_fields = Table(
    "national_fields",
    metadata,
    Column("field_id", String(20), primary_key=True),
    Column("name", Text, nullable=False),
    *_tracking(),
)

national_decisions = Table(
    "national_decisions",
    metadata,
    Column("decision_id", String(20), primary_key=True),
    Column("number_raw", String(200), nullable=False),
    Column("number_norm", String(100), nullable=False),
    Column("title", Text),
    # Read as the date the decision was publicized (công khai) on the national database.
    Column("publishing_date", Date, nullable=False),
    Column("agency_id", String(20), nullable=False),
    Column("agency_name", Text),
    *_tracking(),
    # Publicized counts and matching: an agency's decisions in a period, and by number.
    Index("ix_national_decisions_agency_date", "agency_id", "publishing_date"),
    Index("ix_national_decisions_number", "number_norm"),
)

national_procedures = Table(
    "national_procedures",
    metadata,
    Column("decision_id", String(20), primary_key=True),
    Column("list_kind", String(10), primary_key=True),  # new | modified | rescinded
    Column("procedure_id", String(20), primary_key=True),
    Column("procedure_name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("published_agency_id", String(20)),
    Column("published_agency", Text),
    *_tracking(),
)

national_decision_fields = Table(
    "national_decision_fields",
    metadata,
    Column("decision_id", String(20), primary_key=True),
    Column("field_id", String(20), primary_key=True),
    Column("name", Text),
    *_tracking(),
)

national_decision_pages = Table(
    "national_decision_pages",
    metadata,
    Column("decision_id", String(20), primary_key=True),
    # As the decision's page shows them, to hold against the listing and the signed document.
    Column("number_raw", String(200)),
    Column("title", Text),
    Column("decision_date", Date),
    Column("issuer", Text),
    Column("attachments", Integer, nullable=False),
    *_tracking(),
)

national_documents = Table(
    "national_documents",
    metadata,
    Column("decision_id", String(20), primary_key=True),
    Column("code", String(64), primary_key=True),  # the download code: <URL_DOWNLOAD>?ma=<code>
    Column("file_name", Text, nullable=False),
    Column("file_id", Text),  # the portal's storage path (tepDinhKemId)
    Column("sha256", String(64), nullable=False),  # landed at documents/<sha256><suffix>
    Column("size_bytes", BigInteger, nullable=False),
    # Why the document gives no decision (unread, no annex recognised); none: it gives one.
    Column("annex_problem", Text),
    Column("document_number", String(100)),  # as its annex title gives it, normalized
    Column("number_matches_portal", Boolean),
    *_tracking(),
)

national_publicized = Table(
    "national_publicized",
    metadata,
    Column("procedure_code", String(40), primary_key=True),
    Column("object_type", String(4), primary_key=True),
    Column("name", Text),
    Column("name_key", Text),
    Column("is_sector_vertical", Boolean),
    Column("weight", Integer),
    *_tracking(),
)

dossier_stats = Table(
    "dossier_stats",
    metadata,
    Column("province_code", String(2), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("agency_name", String(300), primary_key=True),
    Column("level", String(40)),
    *[
        Column(name, BigInteger, nullable=False)
        for name in (
            "received",
            "received_online",
            "received_in_person",
            "carried_over",
            "resolved",
            "resolved_early",
            "resolved_on_time",
            "resolved_late",
            "in_progress",
            "in_progress_within_time",
            "in_progress_overdue",
        )
    ],
    *_tracking(),
)

# Tables of the mirror's data, as against its ledgers; `tthc mirror stats` counts these.
DATA_TABLES = [
    province_decisions,
    province_items,
    procedure_versions,
    province_workflows,
    national_agencies,
    national_fields,
    national_decisions,
    national_procedures,
    national_decision_fields,
    national_decision_pages,
    national_documents,
    national_publicized,
    dossier_stats,
]

run_ledger = Table(
    "run_ledger",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("kind", String(40), nullable=False),  # publications | national | dossier-stats | …
    Column("scope", String(200), nullable=False),  # province, period, agencies
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(20), nullable=False),  # running | success | failed
    Column("error", Text),
    Column("summary", Text),  # the run summary JSON
    Column("orchestrator_run_id", String(250)),  # Airflow's dag_run id, when run there
    Index("ix_run_ledger_kind_started", "kind", "started_at"),
)

sync_watermarks = Table(
    "sync_watermarks",
    metadata,
    # e.g. ("national_decisions", "agency:382005") or ("national_decisions", "agency:-1")
    Column("source", String(60), primary_key=True),
    Column("scope", String(100), primary_key=True),
    Column("watermark", Date, nullable=False),  # newest PUBLISHING_DATE committed
    Column("run_id", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

annex_files = Table(
    "annex_files",
    metadata,
    # A file is known by its content: the same bytes under another name are not loaded again.
    Column("sha256", String(64), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("url", Text, nullable=False),  # where it was read from
    Column("size_bytes", Integer, nullable=False),
    Column("run_id", String(64), nullable=False),  # the run that loaded it
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("dataset", String(60), primary_key=True),
    Column("row_key", String(600), primary_key=True),
    Column("run_id", String(64), nullable=False),  # the last run that held it back
    Column("source_ref", String(200), nullable=False),
    Column("row_json", Text, nullable=False),  # the row as received
    Column("reasons_json", Text, nullable=False),  # every expectation it failed
    Column("quarantined_at", DateTime(timezone=True), nullable=False),
    Column("released_run_id", String(64)),  # set when a later run loaded the fixed row
    Index("ix_quarantine_run", "run_id"),
)

validation_results = Table(
    "validation_results",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("suite", String(60), primary_key=True),
    Column("expectation", String(120), primary_key=True),
    Column("expectation_type", String(120), nullable=False),
    Column("column_name", String(200)),
    Column("severity", String(20), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("unexpected_count", Integer, nullable=False),
    Column("element_count", Integer, nullable=False),
    Column("reason", Text),
)

reconciliation_items = Table(
    "reconciliation_items",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("item_key", String(600), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("period", String(10), nullable=False),
    Column("class", String(40), nullable=False),
    Column("match_method", String(40)),
    Column("match_score", Float),
    Column("national_decision_id", String(20)),
    Column("national_procedure_id", String(20)),
    Column("signed_date", Date),
    Column("deadline", Date),
    Column("publicized_date", Date),
    Column("days_late", Integer),
    Index("ix_reconciliation_items_province_period", "province_code", "period"),
)
