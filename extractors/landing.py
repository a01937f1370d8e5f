"""Raw landing: every fetched page is kept as received, with its provenance, one object a page
under ``<landing>/<run_id>/<source>/<page>.json``: a first line of provenance (URL, params,
time, SHA-256 of the body), then the body byte for byte, so its hash can be checked again.
Source files (annexes) are kept byte for byte beside them. The landing is a
local folder or an object store URL (``tthc.storage``). Landed pages are never changed; writers
on several threads share one ``Landing``."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from extractors.http import Fetched
from extractors.urls import redact
from tthc.storage import Store


@dataclass(frozen=True)
class LandedPage:
    source: str
    page: int  # in the order pages were landed, from 1
    url: str
    params: dict[str, Any]
    fetched_at: str
    sha256: str
    data: Any
    # Its text may hold control characters or lone surrogates (seen in the body's escapes or
    # bytes): the transform cleans it (``transforms.text.clean_record_text``) before reading.
    suspect: bool = False

    @property
    def ref(self) -> str:
        """A short source reference for quarantine and provenance."""
        return f"{self.source}#{self.page}"


class Landing:
    def __init__(self, root: str | Path | Store) -> None:
        self.store = root if isinstance(root, Store) else Store(root)
        self._lock = threading.Lock()
        self._pages: dict[str, int] = {}

    def write(self, source: str, fetched: Fetched, media: str = "json") -> None:
        """Land a page: its provenance, then its body byte for byte. ``media="html"``: a page
        read as text, not JSON (readers get its decoded text as ``data``)."""
        provenance = {
            "url": redact(fetched.url),
            "params": fetched.params,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": hashlib.sha256(fetched.body).hexdigest(),
        }
        if fetched.charset != "utf-8":  # the body stays as received; readers decode it so
            provenance["charset"] = fetched.charset
        if media != "json":
            provenance["media"] = media
        # JSON has no raw newline outside strings' escapes: the first one ends the provenance.
        record = json.dumps(provenance, ensure_ascii=False).encode() + b"\n" + fetched.body
        with self._lock:  # numbered in landing order
            if source not in self._pages:
                self._pages[source] = len(self.store.names(source))
            self._pages[source] += 1
            number = self._pages[source]
        self.store.write_bytes(_page_name(source, number), record)

    def clear(self) -> None:
        """Remove what an earlier attempt of the same run landed: a retried extract starts over."""
        self.store.remove_all()
        self._pages.clear()

    def write_file(self, folder: str, name: str, data: bytes) -> None:
        """A source file kept byte for byte (an annex), beside the pages made from it."""
        self.store.write_bytes(f"{folder}/{name}", data)

    def pages(self, source: str) -> Iterator[LandedPage]:
        for number in self.page_sizes(source):
            yield self._read(source, number)

    def origins(self, source: str) -> Iterator[dict[str, Any]]:
        """Each page's provenance (url, params, …) without parsing its body."""
        for number in self.page_sizes(source):
            with self.store.open(_page_name(source, number)) as f:
                yield orjson.loads(f.readline())

    def page_sizes(self, source: str) -> dict[int, int]:
        """The source's page numbers, in landing order, and each page's size in bytes."""
        return {
            int(name.rsplit("/", 1)[1].removesuffix(".json")): size
            for name, size in self.store.sizes(source).items()
        }

    def read(self, source: str, numbers: list[int]) -> list[LandedPage]:
        """The source's pages numbered ``numbers``, parsed."""
        return [self._read(source, number) for number in numbers]

    def _read(self, source: str, number: int) -> LandedPage:
        head, _, body = self.store.read_bytes(_page_name(source, number)).partition(b"\n")
        provenance = orjson.loads(head)
        charset = provenance.pop("charset", "utf-8")
        if provenance.pop("media", "json") != "json":  # a page of text (HTML): its text
            text = body.decode(charset, errors="replace")
            return LandedPage(source=source, page=number, data=text, **provenance)
        # orjson: faster, and the transform reads every page; it takes valid UTF-8 only (not
        # lone surrogates, nor control characters unescaped), which json reads and the
        # transform's text cleaning deals with.
        suspect = charset != "utf-8" or (b"\\u" in body and bool(_SUSPECT_ESCAPES.search(body)))
        try:
            data = orjson.loads(body) if charset == "utf-8" else json.loads(body.decode(charset))
        except orjson.JSONDecodeError:
            data = json.loads(body.decode(errors="surrogateescape"), strict=False)
            suspect = True
        return LandedPage(source=source, page=number, data=data, suspect=suspect, **provenance)

    def records(self, refs: list[str]) -> list[Any]:
        """The records the references point at (``source#page:path/to/record``), as landed;
        only the pages they name are read."""
        wanted: dict[tuple[str, int], list[int]] = {}
        for i, ref in enumerate(refs):
            source, _, rest = ref.partition("#")
            page = int(rest.partition(":")[0])
            wanted.setdefault((source, page), []).append(i)
        found: list[Any] = [None] * len(refs)
        for (source, number), indexes in wanted.items():
            data = self._read(source, number).data
            for i in indexes:
                found[i] = _follow(data, refs[i].partition(":")[2])
        return found


# JSON escapes of control characters and of surrogates (a pair is fine, but is checked too).
_SUSPECT_ESCAPES = re.compile(rb"\\u(?:00[01][0-9a-fA-F]|007[fF]|[dD][89a-fA-F])")


def _page_name(source: str, number: int) -> str:
    return f"{source}/{number:08d}.json"


def _follow(data: Any, path: str) -> Any:
    for step in filter(None, path.split("/")):
        data = data[int(step)] if isinstance(data, list) else data[step]
    return data
