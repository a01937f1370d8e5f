"""Raw landing: every fetched page is written as received, with its provenance, under
``<landing_dir>/<run_id>/<source>/``. Landed pages are never changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.http import Fetched

MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class LandedPage:
    source: str
    file: str
    url: str
    params: dict[str, Any]
    fetched_at: str
    sha256: str
    data: Any

    @property
    def ref(self) -> str:
        """A short source reference for quarantine and provenance."""
        return f"{self.source}/{self.file}"


class Landing:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def write(self, source: str, fetched: Fetched) -> None:
        folder = self.root / source
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / MANIFEST).open("a+", encoding="utf-8") as manifest:
            manifest.seek(0)
            n = sum(1 for _ in manifest)
            name = f"{n + 1:06d}.json"
            (folder / name).write_bytes(fetched.body)
            manifest.write(
                json.dumps(
                    {
                        "file": name,
                        "url": fetched.url,
                        "params": fetched.params,
                        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "sha256": hashlib.sha256(fetched.body).hexdigest(),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )

    def pages(self, source: str) -> Iterator[LandedPage]:
        manifest = self.root / source / MANIFEST
        if not manifest.exists():
            return
        for line in manifest.read_text(encoding="utf-8").splitlines():
            meta = json.loads(line)
            body = (self.root / source / meta["file"]).read_bytes()
            yield LandedPage(source=source, data=json.loads(body), **meta)
