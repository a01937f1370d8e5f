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
