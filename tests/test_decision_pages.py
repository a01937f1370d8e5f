"""Decision pages: the real recorded page read, the simulator's pages in the same markup, the
download base and an attachment fetched through the simulator."""

import json
import re
import shutil

import pytest
import requests

from simulator import pages
from simulator.server import SimulatorServer
from tests.helpers import DATASET, SAMPLES
from transforms.decision_page import Attachment, DecisionPageError, attachments, decision_fields

REAL = (SAMPLES / "decision-115010.details.html").read_text(encoding="utf-8")


def test_the_real_decision_page_is_read():
    assert decision_fields(REAL) == {
        "number": "2751/QĐ-UBND",
        "title": "Về việc công bố Danh mục thủ tục hành chính được sửa đổi, bổ sung trong lĩnh vực "
        "Thiết bị y tế thuộc thẩm quyền giải quyết của Sở Y tế tỉnh Điện Biên",
        "decision_date": "03-12-2025",
        "issuer": "UBND tỉnh Điện Biên",
    }
    assert attachments(REAL) == [
        Attachment(
            "275103.12.2025_15h07p28_signed.pdf",
            "3fd9456cb33031aa",
            "2025/12/05/3fd9456cb33031aa.pdf",
        )
    ]


def test_a_page_that_is_not_a_decision_page_is_an_error():
    with pytest.raises(DecisionPageError, match="Số quyết định"):
        decision_fields("<html><body>Hệ thống đang bảo trì</body></html>")
    with pytest.raises(DecisionPageError, match="formatAttachments"):
        attachments("<html></html>")
    broken = REAL.replace('"code":"3fd9456cb33031aa",', "")
    with pytest.raises(DecisionPageError, match="without its download code"):
        attachments(broken)


def test_the_simulators_template_is_the_real_page_with_its_values_as_slots():
    """Everything but the five values is the recorded page, byte for byte."""
    slotted = re.sub(r"(Số quyết định: )[^<]+", r"\1{{number}}", REAL, count=1)
    for key, slot in [
        ("Số quyết định", "number"),
        ("Tr&iacute;ch yếu", "title"),
        ("Ng&agrave;y quyết định", "date"),
        ("Cơ quan ban h&agrave;nh", "issuer"),
    ]:
        slotted = re.sub(
            rf'(<td class="key">{key}</td>\s*<td class="value">).*?(</td>)',
            rf"\g<1>{{{{{slot}}}}}\2",
            slotted,
            count=1,
            flags=re.S,
        )
    slotted = re.sub(r"var str = '.*?';", "var str = '{{attachments}}';", slotted, count=1)
    assert slotted == pages.TEMPLATE


def test_a_simulated_page_reads_as_the_real_one_does():
    row = {
        "ID": "115010",
        "CODE": "2751/QĐ-UBND",
        "NAME": "Về việc công bố … O'Brien </script> & co",
        "PUBLISHING_DATE": "03-12-2025",
        "AGENCY_NAME": "UBND tỉnh Điện Biên",
    }
    listed = [{"tenTep": "a'b.pdf", "code": "c1", "tepDinhKemId": "2025/12/05/c1.pdf"}]
    page = pages.decision_page({"row": row, "attachments": listed})
    fields = decision_fields(page)
    assert fields["title"] == row["NAME"] and fields["number"] == row["CODE"]
    assert attachments(page) == [Attachment("a'b.pdf", "c1", "2025/12/05/c1.pdf")]


def test_a_decisions_page_and_attachment_through_the_simulator(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATASET, data)
    decisions_path = data / "national" / "decisions.json"
    decisions = json.loads(decisions_path.read_text(encoding="utf-8"))
    (data / "national" / "documents").mkdir(exist_ok=True)
    (data / "national" / "documents" / "qd.pdf").write_bytes(b"%PDF-1.4 signed")
    decisions[0]["attachments"] = [
        {
            "tenTep": "qd_signed.pdf",
            "code": "ab12",
            "tepDinhKemId": "x/ab12.pdf",
            "path": "documents/qd.pdf",
        }
    ]
    decisions_path.write_text(json.dumps(decisions, ensure_ascii=False), encoding="utf-8")
    with SimulatorServer(data) as server:
        decision_id = decisions[0]["row"]["ID"]
        page = requests.get(
            f"{server.url}{pages.DECISION_PAGE_PATH}",
            params={"ma_quyet_dinh": decision_id},
            timeout=10,
        )
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        (attachment,) = attachments(page.text)
        base = requests.post(
            f"{server.url}/jsp/rest.jsp",
            data={
                "params": json.dumps(
                    {"service": "get_url_downfile", "provider": "dvcquocgia", "type": "ref"}
                )
            },
            timeout=10,
        ).json()[0]["URL_DOWNLOAD"]
        assert base == f"{server.url}/web/jsp/download_file.jsp"
        got = requests.get(base, params={"ma": attachment.code}, timeout=10)
        assert got.content == b"%PDF-1.4 signed"
        assert got.headers["Content-Type"] == "application/pdf"
        missing = requests.get(base, params={"ma": "nope"}, timeout=10)
        assert missing.status_code == 404


def _documents(url: str) -> list[tuple]:
    from sqlalchemy import select

    from loaders.db import make_engine
    from loaders.schema import national_documents

    with make_engine(url).connect() as conn:
        return conn.execute(
            select(
                national_documents.c.decision_id,
                national_documents.c.code,
                national_documents.c.sha256,
                national_documents.c.size_bytes,
            ).order_by(national_documents.c.code)
        ).all()


def test_a_sync_lands_each_decisions_page_and_signed_file_once(tmp_path):
    """Each Bắc Kạn decision's page is read and its signed file landed byte for byte with its
    SHA-256; a second sync downloads nothing (not even after a full pass)."""
    import hashlib

    from loaders.db import make_engine, upgrade
    from tests.helpers import make_settings, sync
    from tthc.pipeline import landing, new_run

    url = f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    upgrade(make_engine(url))
    national = json.loads((DATASET / "national" / "decisions.json").read_text(encoding="utf-8"))
    files = {a["code"]: a["path"] for d in national for a in d.get("attachments", [])}
    with SimulatorServer(DATASET) as server:
        settings = make_settings(tmp_path, server.url, url)
        first = sync(settings, province="06")
        assert first["datasets"]["national_documents"]["inserted"] == len(files) > 0
        held = _documents(url)
        for _, code, sha256, size in held:
            data = (DATASET / "national" / files[code]).read_bytes()
            assert (hashlib.sha256(data).hexdigest(), len(data)) == (sha256, size)
        run = new_run("publications", province="06", full=True)
        from tthc import pipeline

        again = pipeline.sync(settings, run)
        assert again["status"] == "success", again["error"]
        assert again["datasets"]["national_documents"]["extracted"] == 0  # nothing downloaded
        assert not landing(settings, run).store.names("documents")
        assert again["datasets"]["national_decision_pages"]["updated"] == 0
    assert _documents(url) == held


def test_an_attachment_that_fails_fails_the_run_naming_the_decision(tmp_path):
    from loaders.db import make_engine, upgrade
    from simulator.faults import FaultRule, Faults
    from tests.helpers import make_settings, snapshot, sync

    url = f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    upgrade(make_engine(url))
    faults = Faults(FaultRule.parse("service=file,status=503"))
    with SimulatorServer(DATASET, faults=faults) as server:
        settings = make_settings(tmp_path, server.url, url)
        before = snapshot(url)
        result = sync(settings, province="06", expect="failed")
        assert re.search(r"attachment \S+ of national decision \d+ failed", result["error"])
        assert snapshot(url) == before


@pytest.mark.airflow
def test_a_province_without_a_feed_reconciles_from_the_portals_documents(
    simulator, env_settings, monkeypatch, dagbag
):
    """Bắc Kạn with no feed and no annex folder: its published side is what its signed
    documents on the portal say, end to end through dag.test()."""
    from sqlalchemy import select

    from loaders.db import make_engine, upgrade
    from loaders.schema import province_items
    from reconcile.quarterly import quarterly_report
    from tthc.demo import migrate_airflow

    monkeypatch.setenv(
        "TTHC_PROVINCES",
        json.dumps(
            {
                "06": {
                    "code": "06",
                    "name": "Bắc Kạn",
                    "national_agency_code": "H04",
                    "feed": False,
                    "annex_sources": [],
                }
            }
        ),
    )
    migrate_airflow({})
    settings = env_settings(simulator.url)
    upgrade(make_engine(settings.mirror_url))
    conf = {"province": "06", "period": "2020-Q2"}
    for dag_id in ("tthc_publications_sync", "tthc_dossier_stats_sync", "tthc_reconciliation"):
        assert str(dagbag.dags[dag_id].test(run_conf=conf).state).endswith("success"), dag_id
    with make_engine(settings.mirror_url).connect() as conn:
        sources = set(conn.scalars(select(province_items.c.source_ref)))
        report = quarterly_report(conn, settings.rules, "06", "2020-Q2")
    assert sources and all(s.startswith("national_documents#") for s in sources)
    classes = report["reconciliation"]["classes"]
    assert sum(classes.values()) == report["procedures_published"] > 150
    # What the documents list and the portal's lists lack: never entered, late or pending.
    assert classes["overdue_not_publicized"] > 0 and classes["publicized_on_time"] > 100
    written = settings.reports_dir / "06" / "2020-Q2" / "quarterly.html"
    assert written.exists()


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    from tests.helpers import ROOT

    return DagBag(dag_folder=ROOT / "dags")


def _with_document(tmp_path, data: bytes, name: str):
    """The bundled dataset with no feed, no annex folder and no signed documents but one: the
    first Bắc Kạn decision's attachment is ``data``."""
    from tests.helpers import make_settings, without_documents

    root = without_documents(tmp_path / "data")
    path = root / "national" / "decisions.json"
    decisions = json.loads(path.read_text(encoding="utf-8"))
    first = next(d for d in decisions if d["row"]["AGENCY_ID"] == "382005")
    first["attachments"] = [
        {"tenTep": name, "code": "c0ffee", "tepDinhKemId": f"x/{name}", "path": f"documents/{name}"}
    ]
    (root / "national" / "documents").mkdir(exist_ok=True)
    (root / "national" / "documents" / name).write_bytes(data)
    path.write_text(json.dumps(decisions, ensure_ascii=False), encoding="utf-8")

    def settings_for(server_url: str, mirror_url: str):
        settings = make_settings(tmp_path / "home", server_url, mirror_url)
        settings.provinces["06"] = settings.provinces["06"].model_copy(
            update={"feed": False, "annex_sources": []}
        )
        return settings

    return root, settings_for


@pytest.mark.parametrize("scanned", [False, True], ids=["text-pdf", "scanned-pdf"])
def test_a_signed_pdf_on_the_portal_gives_its_annex_items(tmp_path, scanned):
    from sqlalchemy import select

    from loaders.db import make_engine, upgrade
    from loaders.schema import national_documents, province_items
    from simulator.documents import DEMO_ROWS, demo_text_pdf, scanned_pdf
    from tests.helpers import sync

    pdf = demo_text_pdf()
    root, settings_for = _with_document(tmp_path, scanned_pdf(pdf) if scanned else pdf, "qd.pdf")
    url = f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    upgrade(make_engine(url))
    with SimulatorServer(root) as server:
        result = sync(settings_for(server.url, url), province="06")
    assert result["datasets"]["province_items"]["from_files"] == 5
    with make_engine(url).connect() as conn:
        items = conn.execute(
            select(province_items.c.decision_id, province_items.c.procedure_code)
        ).all()
        (document,) = conn.execute(select(national_documents)).mappings().all()
    expected = [row[1] for row in DEMO_ROWS if not isinstance(row, str)]
    assert sorted(code for _, code in items) == sorted(expected)
    assert {d for d, _ in items} == {"06-2020-0654"}
    assert document["document_number"] == "654/QĐ-UBND" and document["annex_problem"] is None


def test_a_corrupt_pdf_on_the_portal_fails_the_run_naming_it(tmp_path):
    from loaders.db import make_engine, upgrade
    from tests.helpers import snapshot, sync

    root, settings_for = _with_document(tmp_path, b"%PDF-1.7\n broken", "qd_signed.pdf")
    url = f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    upgrade(make_engine(url))
    before = snapshot(url)
    with SimulatorServer(root) as server:
        result = sync(settings_for(server.url, url), province="06", expect="failed")
    assert re.search(
        r"attachment qd_signed\.pdf of national decision \d+ .*not a readable PDF", result["error"]
    )
    assert snapshot(url) == before
