"""A province's publication feed and its Form 06 dossier statistics (our JSON design, served by
the simulator; README, "Sources"). Both page by ``page``/``per_page`` with a ``total``."""

from __future__ import annotations

from extractors.http import Fetched, HttpClient
from extractors.landing import Landing
from extractors.paging import feed_page, paginate


def extract_province_feed(
    client: HttpClient, base_url: str, province: str, landing: Landing, page_size: int = 50
) -> None:
    url = f"{base_url.rstrip('/')}/api/provinces/{province}/decisions"

    def fetch(index: int) -> Fetched:
        return client.fetch_json(
            "GET",
            url,
            what=f"province {province} feed",
            params={"page": index, "per_page": page_size},
        )

    page_kind = feed_page("decisions", lambda d: d["decision_id"])
    for page in paginate(fetch, page_kind, page_size, f"province {province} feed"):
        landing.write("province_feed", page)


def extract_dossier_stats(
    client: HttpClient,
    base_url: str,
    province: str,
    period: str,
    landing: Landing,
    page_size: int = 50,
) -> None:
    url = f"{base_url.rstrip('/')}/api/provinces/{province}/dossier-stats"
    what = f"province {province} dossier statistics {period}"

    def fetch(index: int) -> Fetched:
        return client.fetch_json(
            "GET", url, what=what, params={"period": period, "page": index, "per_page": page_size}
        )

    # A Form 06 row is one agency's: its number and name say which.
    page_kind = feed_page("rows", lambda row: (row["stt"], row["donVi"]))
    for page in paginate(fetch, page_kind, page_size, what):
        landing.write("dossier_stats", page)
