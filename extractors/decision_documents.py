"""A national decision's page and its signed files: the page lands as received (its fields
and attachment list are read by ``transforms.decision_page``), and each attachment the mirror
does not hold yet is downloaded from ``<URL_DOWNLOAD>?ma=<code>`` and landed byte for byte
under ``documents/<sha256><suffix>``, with one page of the ``national_documents`` source
saying what it is and holding its cells in document order (``read_document``: the annex
reader's row shape, so ``transforms.annex`` reads a signed document as it reads a folder's
annex). An attachment a committed run downloaded is never downloaded again."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import PurePosixPath

from extractors.annex import AnnexFile, AnnexFileError, read_document
from extractors.http import ExtractError, Fetched
from extractors.landing import Landing
from extractors.national_portal import NationalPortal
from transforms.decision_page import DecisionPageError, attachments, decision_fields

PAGE_SOURCE = "national_decision_pages"
DOCUMENT_SOURCE = "national_documents"
DOCUMENT_FILES = "documents"  # the landing folder of the files themselves


class DecisionDocuments:
    """Fetches decisions' pages and new attachments for one run (thread-safe: the national
    extract fetches decisions in parallel). ``known(codes)``: the download codes the mirror
    holds; ``download_url``: a fixed download base, else the portal's ``get_url_downfile``."""

    def __init__(
        self,
        portal: NationalPortal,
        landing: Landing,
        known: Callable[[list[str]], set[str]],
        download_url: str | None = None,
    ) -> None:
        self.portal, self.landing, self.known = portal, landing, known
        self._base, self._lock = download_url, threading.Lock()

    def base(self) -> str:
        with self._lock:  # asked once a run, when the first file is due
            if not self._base:
                self._base = self.portal.download_base()
            return self._base

    def fetch(self, decision_id: str) -> None:
        page = self.portal.decision_page(decision_id)
        try:
            html = page.body.decode(page.charset, errors="replace")
            fields = decision_fields(html)  # now: a page that is no decision page fails here
            files = attachments(html)
        except DecisionPageError as exc:
            raise ExtractError(
                f"national portal decision page (decision {decision_id})", page.params, str(exc)
            ) from None
        self.landing.write(PAGE_SOURCE, page, media="html")
        held = self.known([f.code for f in files])
        for attachment in files:
            if attachment.code in held:
                continue
            url = f"{self.base()}?ma={attachment.code}"
            data = self.portal.client.fetch_bytes(
                url, what=f"attachment {attachment.name} of national decision {decision_id}"
            )
            sha256 = hashlib.sha256(data).hexdigest()
            suffix = PurePosixPath(attachment.name).suffix.lower()
            self.landing.write_file(DOCUMENT_FILES, f"{sha256}{suffix}", data)
            try:
                rows, problem = read_document(AnnexFile(url, attachment.name, data))
            except AnnexFileError as exc:
                raise ExtractError(
                    f"attachment {attachment.name} of national decision {decision_id}",
                    None,
                    str(exc),
                ) from None
            described = {
                "decision_id": decision_id,
                "code": attachment.code,
                "file": attachment.name,
                "file_id": attachment.file_id,
                "sha256": sha256,
                "size": len(data),
                "portal_number": fields["number"],
                "read_problem": problem,
                "rows": rows,
            }
            params = {"decision_id": decision_id, "code": attachment.code}
            self.landing.write(DOCUMENT_SOURCE, Fetched.of(url, params, described))
