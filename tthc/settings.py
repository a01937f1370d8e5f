"""The one configuration model.

Values come, highest priority first, from: keyword arguments, ``TTHC_*`` environment variables,
the TOML file named by ``TTHC_CONFIG`` (default ``tthc.toml`` in the checkout), then the defaults
below. In Airflow the same model is filled from Connections and Variables (see ``tthc.airflow``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

if TYPE_CHECKING:
    from reconcile.rules import Rules

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Province(BaseModel):
    """A province (tỉnh) whose decisions and statistics are synced."""

    code: str  # 2-digit administrative code, e.g. "06"
    name: str
    # The province People's Committee as the national portal lists it (CODE of get_list_agency).
    national_agency_code: str
    synced: bool = True  # false: configured for reports only (e.g. a successor without a feed)
    feed: bool = True  # the province serves a publication feed at ``province_feed_url``
    # Folders, files or fsspec URLs of decision annexes (.docx/.xlsx) to read on every
    # publications run; a file already loaded (same SHA-256) is skipped.
    annex_sources: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TTHC_", extra="ignore")

    home: Path = PROJECT_ROOT
    mirror_url: str = ""  # default: sqlite:///<home>/var/mirror.sqlite
    national_portal_url: str = "https://thutuc.dichvucong.gov.vn"
    # The publicized-procedure list is served by dichvucong.gov.vn; empty = national_portal_url.
    public_service_portal_url: str = ""
    # Where decisions' attachments download from; empty = as the portal's get_url_downfile says.
    national_download_url: str = ""
    province_feed_url: str = "http://127.0.0.1:8765"
    dossier_stats_url: str = ""  # empty = province_feed_url
    # Raw payloads and the Parquet between steps, one folder per run: local folders, or fsspec
    # URLs (s3://bucket/tthc/landing) when workers on several machines share them.
    # run_files_dir was called staging_dir (TTHC_STAGING_DIR): the old name is still read.
    landing_dir: str = ""
    run_files_dir: str = Field(
        "",
        validation_alias=AliasChoices(
            "run_files_dir", "tthc_run_files_dir", "staging_dir", "tthc_staging_dir"
        ),
    )
    reports_dir: Path | None = None

    http_timeout_s: float = 30.0
    http_retries: int = 4
    http_backoff_s: float = 0.5
    http_backoff_max_s: float = 30.0
    page_size: int = 50
    # The national portal: requests a second across all workers (0 = no limit), worker threads
    # fetching decisions' lists, and how far behind the watermark an incremental pass looks
    # again for entries the portal dated late.
    national_rate_limit_per_s: float = 2.0
    national_workers: int = 4
    national_lookback_days: int = 7

    # Processes the transform step parses and normalizes landed pages in (1: the step's own).
    # Validation stays in one: Great Expectations gained nothing from two, and cost memory.
    worker_processes: int = 2

    # Seconds a run waits for another run writing the same data (0 = fail at once, saying which).
    lock_wait_s: float = 0.0

    # A dataset whose row count falls below this share of the last successful run of the same
    # scope stops the load (the source probably answered short).
    row_count_floor: float = 0.5
    # A check that fails for every row of a table of at least this many rows stops the load:
    # the source changed its shape (a field renamed), it did not send that many bad rows.
    drift_min_rows: int = 5
    # More than this share of a table's rows held in quarantine stops the load (1 = never).
    held_share_limit: float = Field(0.5, ge=0, le=1)
    # Great Expectations' own log level (its INFO lines are its internals, not findings).
    gx_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    # Overall deadline of one HTTP request, body included (default: four times the timeout).
    http_deadline_s: float | None = None

    # Days after a quarter ends by which every synced province must have it reconciled; then
    # the reconciliation watch DAG's Deadline Alert fires.
    reconcile_deadline_days: int = Field(30, ge=1)

    # Reporting periods: "calendar" quarters, or "15th" (from the 15th of the month before the
    # quarter to the 14th of its last month), a convention some provinces use.
    reporting_calendar: Literal["calendar", "15th"] = "calendar"

    # Matching published items to the portal's rows by name (rapidfuzz token_sort_ratio, 0-100):
    # the least score that counts, and how close a runner-up may be before a person decides.
    match_fuzzy_threshold: float = 90.0
    match_ambiguity_margin: float = 3.0

    # Decree 63/2010 Art. 15 as amended by Decree 48/2013: a province publishes at least this
    # many working days before the underlying legal document takes effect (20 for ministries).
    publication_lead_working_days: int = 5

    # Working days allowed between signing a decision and publicizing it on the national
    # database. The legal figure is not confirmed (see docs): report timeliness against this.
    publicize_deadline_working_days: int = 5

    provinces: dict[str, Province] = Field(
        default_factory=lambda: {
            "06": Province(
                code="06",
                name="Bắc Kạn",
                national_agency_code="H04",
                # The bundled dataset's decisions published only as Word or Excel annexes.
                annex_sources=[str(PROJECT_ROOT / "data" / "bac-kan-2020-q2" / "annexes" / "06")],
            ),
            # Bắc Kạn's successor since 2025-07-01 (reconcile.provinces derives who merged).
            "19": Province(code="19", name="Thái Nguyên", national_agency_code="H55", synced=False),
        }
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("TTHC_CONFIG", PROJECT_ROOT / "tthc.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )

    def model_post_init(self, __context: Any) -> None:
        var = self.home / "var"
        if not self.mirror_url:
            self.mirror_url = f"sqlite:///{var / 'mirror.sqlite'}"
        self.public_service_portal_url = self.public_service_portal_url or self.national_portal_url
        self.dossier_stats_url = self.dossier_stats_url or self.province_feed_url
        self.landing_dir = self.landing_dir or str(var / "landing")
        self.run_files_dir = self.run_files_dir or str(var / "runs")
        self.reports_dir = self.reports_dir or var / "reports"

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs of the latest validation, at a stable place."""
        return self.reports_dir / "data_docs"

    @property
    def validation_pages_dir(self) -> Path:
        """The auditors' validation pages: one per run, and ``index.html`` for the latest."""
        return self.reports_dir / "validation"

    @property
    def rules(self) -> Rules:
        """What reconciliation reads of the configuration (``reconcile.rules``)."""
        from reconcile.classify import MatchRules
        from reconcile.rules import ProvinceRules, Rules

        return Rules(
            provinces={
                code: ProvinceRules(code, p.name, p.national_agency_code)
                for code, p in self.provinces.items()
            },
            reporting_calendar=self.reporting_calendar,
            publicize_deadline_working_days=self.publicize_deadline_working_days,
            publication_lead_working_days=self.publication_lead_working_days,
            match=MatchRules(self.match_fuzzy_threshold, self.match_ambiguity_margin),
        )

    def province(self, code: str) -> Province:
        from reconcile.rules import configured_province

        return configured_province(self.provinces, code)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
