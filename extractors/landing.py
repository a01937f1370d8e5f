"""Raw landing: every fetched page is kept as received, with its provenance, in
``<landing_dir>/<run_id>/<source>.jsonl`` (one line a page: URL, params, time, SHA-256 of the
body, and the body itself). Landed pages are never changed. Writers on several threads share it."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.http import Fetched


@dataclass(frozen=True)
class LandedPage:
    source: str
    page: int  # position in the landing file, from 1
    url: str
    params: dict[str, Any]
    fetched_at: str
    sha256: str
    data: Any

    @property
    def ref(self) -> str:
        """A short source reference for quarantine and provenance."""
        return f"{self.source}#{self.page}"


class Landing:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    def write(self, source: str, fetched: Fetched) -> None:
        line = json.dumps(
            {
                "url": fetched.url,
                "params": fetched.params,
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "sha256": hashlib.sha256(fetched.body).hexdigest(),
                "body": fetched.body.decode("utf-8", errors="surrogateescape"),
            },
            ensure_ascii=False,
        )
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            with (self.root / f"{source}.jsonl").open(
                "a", encoding="utf-8", errors="surrogateescape"
            ) as out:
                out.write(line + "\n")

    def write_file(self, folder: str, name: str, data: bytes) -> None:
        """A source file kept byte for byte (an annex), beside the pages made from it."""
        path = self.root / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def pages(self, source: str) -> Iterator[LandedPage]:
        path = self.root / f"{source}.jsonl"
        if not path.exists():
            return
        with path.open(encoding="utf-8", errors="surrogateescape") as lines:
            for number, line in enumerate(lines, start=1):
                meta = json.loads(line)
                body = meta.pop("body")
                yield LandedPage(source=source, page=number, data=json.loads(body), **meta)

    def records(self, refs: list[str]) -> list[Any]:
        """The records the references point at (``source#page:path/to/record``), as landed."""
        wanted: dict[tuple[str, int], list[int]] = {}
        for i, ref in enumerate(refs):
            source, _, rest = ref.partition("#")
            page = int(rest.partition(":")[0])
            wanted.setdefault((source, page), []).append(i)
        found: list[Any] = [None] * len(refs)
        for source in {source for source, _ in wanted}:
            for page in self.pages(source):
                for i in wanted.get((source, page.page), []):
                    found[i] = _follow(page.data, refs[i].partition(":")[2])
        return found


def _follow(data: Any, path: str) -> Any:
    for step in filter(None, path.split("/")):
        data = data[int(step)] if isinstance(data, list) else data[step]
    return data
