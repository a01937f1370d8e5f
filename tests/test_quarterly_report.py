"""The quarterly report for auditors: the merger roll-up, Form 06 findings, provenance, the
files (HTML in headless Chromium, Excel, CSV) and escaping of what sources say."""

import io
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from loaders.db import make_engine
from loaders.schema import reconciliation_items
from reconcile.coverage import NothingSynced
from reconcile.provinces import predecessors, successor_code
from reconcile.quarterly import quarterly_report
from reconcile.render import to_html, to_xlsx, write_report
from reconcile.run import reconcile
from tests.browser import assert_rendered, chromium
from tests.helpers import DATASET, SEED_FIGURES, sync_dataset

HOSTILE_TITLE = '<script>alert("tthc")</script> Quyết định & "trích yếu"'


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """The bundled dataset, with one decision title made hostile, synced with both quarters of
    statistics."""
    tmp = tmp_path_factory.mktemp("report")
    data = tmp / "data"
    shutil.copytree(DATASET, data)
    path = data / "province_feed" / "06.json"
    feed = json.loads(path.read_text(encoding="utf-8"))
    feed["decisions"][1]["title"] = HOSTILE_TITLE
    path.write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    return sync_dataset(tmp, data, periods=("2020-Q1", "2020-Q2"))


def report(settings, **kw):
    with make_engine(settings.mirror_url).connect() as conn:
        return quarterly_report(conn, settings.rules, kw.pop("province", "06"), "2020-Q2", **kw)


def _as_it_was_on(day: date, data: Path) -> None:
    """Rewrite a copy of the bundled sources as they stood on ``day``: decisions signed by then,
    national decisions publicized by then, Form 06 of the quarters ended by then (the test's
    own reading of the raw files, not the product's)."""
    feed_path = data / "province_feed" / "06.json"
    feed = json.loads(feed_path.read_text(encoding="utf-8"))
    signed = [d for d in feed["decisions"] if _by(d["signed_date"], "/", day)]
    feed_path.write_text(json.dumps({**feed, "decisions": signed}, ensure_ascii=False), "utf-8")
    national_path = data / "national" / "decisions.json"
    national = json.loads(national_path.read_text(encoding="utf-8"))
    kept = [d for d in national if _by(d["row"]["PUBLISHING_DATE"], "-", day)]
    national_path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    for stats in (data / "dossier_stats").glob("06-*.json"):
        year, quarter = int(stats.stem[3:7]), int(stats.stem[-1])
        if day <= date(year + quarter // 4, quarter * 3 % 12 + 1, 1) - timedelta(days=1):
            stats.unlink()  # the quarter had not ended: nobody had reported its Form 06


def _by(text: str, sep: str, day: date) -> bool:
    """Dated ``day`` or before; a date that cannot be (``31/04/2020``) is kept, to be held in
    both mirrors alike."""
    try:
        d, m, y = map(int, text.split(sep))
        return date(y, m, d) <= day
    except (AttributeError, ValueError):
        return True


@pytest.mark.parametrize("day", [date(2020, 6, 10), date(2020, 7, 5)])
def test_a_report_as_of_a_past_date_equals_the_one_made_on_that_date(tmp_path, day):
    """Two mirrors: one synced today with everything, one synced from the sources as they
    were on ``day`` and reported on ``day``; ``--as-of day`` on the first gives the second."""
    then = tmp_path / "then-data"
    shutil.copytree(DATASET, then)
    _as_it_was_on(day, then)
    periods = ("2020-Q1", "2020-Q2")
    full = sync_dataset(tmp_path / "today", periods=periods)
    past = sync_dataset(tmp_path / "then", then, periods=periods[: 1 + (day.month > 6)])
    as_of, made_then = report(full, as_of=day), report(past, as_of=day)
    same = [*SEED_FIGURES, "reconciliation", "publication_timeliness", "dossier_findings"]
    assert {k: as_of[k] for k in same} == {k: made_then[k] for k in same}
    assert as_of["coverage"]["06"]["missing"] == made_then["coverage"]["06"]["missing"]
    late = [i for i in as_of["reconciliation"]["items"] if i["signed_date"] > day.isoformat()]
    publicized_after = [
        i for i in as_of["reconciliation"]["items"] if (i["publicized_date"] or "") > str(day)
    ]
    assert not late and not publicized_after
    today = report(full)["reconciliation"]["classes"]
    assert today != as_of["reconciliation"]["classes"] and as_of["procedures_published"] > 0


def test_the_merger_maps_bac_kan_into_thai_nguyen():
    assert successor_code("Bắc Kạn") == "19" and successor_code("Thái Nguyên") == "19"
    assert successor_code("Hà Giang") == "08"  # merged into Tuyên Quang


def test_a_successor_report_rolls_up_its_predecessors(mirror):
    assert predecessors(mirror.rules, "19") == ["06"]
    with pytest.raises(NothingSynced, match="nothing synced for province 19 in 2020-Q2"):
        report(mirror, province="19")  # not a page of zeros: 19 has synced nothing itself
    rolled = report(mirror, province="19", include_predecessors=True)
    assert rolled["provinces_included"] == ["19", "06"]
    assert {k: rolled[k] for k in SEED_FIGURES} == SEED_FIGURES
    assert {i["province_code"] for i in rolled["reconciliation"]["items"]} == {"06"}


def test_findings_provenance_and_the_nine_explained(mirror):
    r = report(mirror)
    classes = r["reconciliation"]["classes"]
    assert sum(classes.values()) == r["procedures_published"] == 207
    assert classes["overdue_not_publicized"] == 4 and classes["abolished_removed"] == 2
    assert classes["publicized_different_action_or_name"] == 1  # the shortened name
    fuzzy = [
        i for i in r["reconciliation"]["items"] if i["match_method"] == "decision_number+fuzzy_name"
    ]
    assert len(fuzzy) == 1 and 90 <= fuzzy[0]["match_score"] < 100
    carry = [f for f in r["dossier_findings"] if f["check"] == "carry-over"]
    assert [f["agency"] for f in carry] == ["Sở Y tế"] and "44" in carry[0]["detail"]
    held = {(f["agency"], f["check"]) for f in r["dossier_findings"] if f["check"] != "carry-over"}
    assert held == {
        ("Sở Ngoại vụ", "received = resolved + in progress"),
        ("Sở Ngoại vụ", "in progress = within time + overdue"),
        ("Sở Khoa học và Công nghệ", "tongSo must be a whole number"),
    }
    lead = r["publication_timeliness"]  # Decree 63: two decisions came too close
    # The two annex-only decisions do not say when their underlying documents take effect.
    assert (lead["on_time"], lead["late"], lead["unknown"]) == (10, 2, 2)
    assert sorted(d["number_raw"] for d in lead["late_decisions"]) == ["619/QĐ-UBND", "668/QĐ-UBND"]
    provenance = r["provenance"]
    assert len(provenance["publication_decisions"]["records"]) == 14
    assert provenance["procedures_publicized"]["runs"] and provenance["dossiers_received"]["runs"]


def test_the_15th_to_14th_calendar_is_a_setting(mirror):
    shifted = report(mirror.model_copy(update={"reporting_calendar": "15th"}))
    assert (shifted["period_start"], shifted["period_end"]) == ("2020-03-15", "2020-06-14")
    assert shifted["procedures_published"] != SEED_FIGURES["procedures_published"]


def test_reconciliation_is_stored_per_run(mirror):
    engine = make_engine(mirror.mirror_url)
    (first, _), (second, _) = (reconcile(engine, mirror.rules, "06", "2020-Q2") for _ in "12")
    with make_engine(mirror.mirror_url).connect() as conn:
        stored = pd.DataFrame(conn.execute(select(reconciliation_items)).mappings().all())
    for run in (first, second):
        rows = stored[stored["run_id"] == run["run_id"]]
        assert len(rows) == 207 and rows["class"].value_counts().to_dict() == {
            k: v for k, v in run["classes"].items() if v
        }


def test_files_escape_sources_and_render(mirror, tmp_path):
    r = report(mirror)
    html = to_html(r)
    assert "&lt;script&gt;alert(&quot;tthc&quot;)&lt;/script&gt;" in html  # shown, escaped
    assert "<script" not in html.lower()
    workbook = pd.read_excel(io.BytesIO(to_xlsx(r)), sheet_name=None)
    assert {
        "Summary",
        "publicized_late",
        "abolished_removed",
        "Sources",
        "dossier_findings",
    } <= set(workbook)
    assert len(workbook["abolished_removed"]) == 2
    page = write_report(r, "html", tmp_path / "quarterly.html")
    with chromium() as browser:
        browser.get(page.as_uri())
        body = browser.find_element("tag name", "body").text
        assert "Headline figures" in body and "58,463" in body
        assert browser.execute_script("return window.tthc === undefined")  # nothing ran
        assert_rendered(browser.get_screenshot_as_png())
