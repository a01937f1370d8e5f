"""What auditors see of validation: the history, the page (escaped, linked to Data Docs,
rendered in headless Chromium) and a whole-table check that stops a load."""

import json
import shutil

from sqlalchemy import select

from loaders.db import make_engine, upgrade
from loaders.schema import run_ledger, validation_results
from simulator.server import SimulatorServer
from tests.browser import assert_rendered, chromium
from tests.helpers import DATASET, make_settings, sync
from tthc.reports import mirror_stats, validation_report


def publications(settings):
    return sync(settings, province="06", expect=None)


def feed_copy(tmp_path, change):
    data = tmp_path / "data"
    shutil.copytree(DATASET, data, dirs_exist_ok=True)
    path = data / "province_feed" / "06.json"
    feed = json.loads(path.read_text(encoding="utf-8"))
    change(feed)
    path.write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    return data


def test_a_feed_that_collapses_stops_the_load_and_says_why(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    upgrade(make_engine(url))
    with SimulatorServer(DATASET) as server:
        assert publications(make_settings(tmp_path, server.url, url))["status"] == "success"
    with make_engine(url).connect() as conn:
        before = mirror_stats(conn)

    def keep_three(feed):
        feed["decisions"] = feed["decisions"][:3]

    with SimulatorServer(feed_copy(tmp_path, keep_three)) as server:
        result = publications(make_settings(tmp_path, server.url, url))
    assert result["status"] == "failed"
    assert "row_count_not_collapsed" in result["error"] and "observed 3" in result["error"]
    with make_engine(url).connect() as conn:
        assert mirror_stats(conn) == before
        stopped = conn.execute(
            select(validation_results).where(
                validation_results.c.run_id == result["run_id"],
                validation_results.c.expectation == "row_count_not_collapsed",
                validation_results.c.suite == "province_decisions",
            )
        ).one()
        status = conn.scalar(
            select(run_ledger.c.status).where(run_ledger.c.run_id == result["run_id"])
        )
    assert stopped.success is False and status == "failed"  # the history keeps the stop


def test_the_validation_page_escapes_sources_and_links_data_docs(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    upgrade(make_engine(url))

    def hostile(feed):
        item = feed["decisions"][3]["items"][0]
        item["procedure_code"] = "<script>alert(1)</script>"

    with SimulatorServer(feed_copy(tmp_path, hostile)) as server:
        settings = make_settings(tmp_path, server.url, url)
        result = publications(settings)
    page = settings.validation_pages_dir / f"{result['run_id']}.html"
    html = page.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert (settings.validation_pages_dir / "index.html").read_text(encoding="utf-8") == html
    with make_engine(url).connect() as conn:
        report = validation_report(conn, settings, result["run_id"])
    assert (page.parent / "../data_docs/index.html").resolve().exists()
    assert report["quarantined"]["province_items"]["reasons"]["procedure_code_pattern"] == 2

    with chromium() as browser:
        browser.get(page.as_uri())
        assert browser.title == f"Validation of run {result['run_id']}"
        assert "province_items" in browser.find_element("tag name", "body").text
        assert_rendered(browser.get_screenshot_as_png(), keep=str(tmp_path / "page.png"))
        browser.find_element("id", "data-docs").click()
        assert "data_docs/index.html" in browser.current_url
        # GX styles Data Docs from CDNs; offline the page is plain, but it is there.
        assert "Data Docs" in browser.find_element("tag name", "body").text


def test_a_script_in_a_held_value_does_not_run_in_data_docs(tmp_path):
    """Great Expectations writes failing values into Data Docs unescaped; the project escapes
    them first, so a source's markup shows as text and never runs."""
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    upgrade(make_engine(url))
    script = "<script>document.title='pwned'</script>"
    image = "<img src=x onerror=\"document.title='pwned'\">"

    def hostile(feed):
        items = feed["decisions"][3]["items"]
        items[0]["procedure_code"], items[1]["procedure_code"] = script, image

    with SimulatorServer(feed_copy(tmp_path, hostile)) as server:
        settings = make_settings(tmp_path, server.url, url)
        result = publications(settings)
    assert result["datasets"]["province_items"]["quarantined"] >= 2
    (page,) = (settings.data_docs_dir / "validations" / "province_items").rglob("*.html")
    html = page.read_text(encoding="utf-8")
    assert script not in html and image not in html and "&lt;script&gt;" in html
    with chromium() as browser:
        browser.get(page.as_uri())
        assert "pwned" not in browser.title
        assert browser.find_elements("css selector", "img[src=x]") == []
        assert "<script>document.title" in browser.find_element("tag name", "body").text
