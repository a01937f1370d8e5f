"""Where a run's files live between steps: a local folder by default, or any fsspec URL
(``s3://bucket/tthc/staging`` with s3fs installed, ``gs://…``, ``memory://…``) when workers on
several machines must share them. Objects are written whole and never appended to, which is
what object stores can do. Credentials come from the environment the filesystem reads
(``AWS_*`` for S3, or ``FSSPEC_S3_*`` settings); they are never part of the URL or the logs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import fsspec
from fsspec.implementations.local import LocalFileSystem


class Store:
    """Named objects under one root URL."""

    def __init__(self, url: str | Path) -> None:
        self.url = str(url).rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        # A local folder needs its parents made; an object store has no folders.
        self._local = isinstance(self.fs, LocalFileSystem)

    def __truediv__(self, name: str) -> Store:
        """The store under ``name`` (``stage / run_id``)."""
        return Store(f"{self.url}/{name}")

    def path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def open(self, name: str, mode: str = "rb") -> IO[Any]:
        if self._local and "w" in mode:
            self.fs.makedirs(self.path(name).rsplit("/", 1)[0], exist_ok=True)
        return self.fs.open(self.path(name), mode)

    def write_bytes(self, name: str, data: bytes) -> None:
        with self.open(name, "wb") as out:
            out.write(data)

    def read_bytes(self, name: str) -> bytes:
        return self.fs.cat_file(self.path(name))

    def write_json(self, name: str, data: Any) -> None:
        self.write_bytes(name, json.dumps(data, ensure_ascii=False, indent=1).encode())

    def read_json(self, name: str) -> Any:
        return json.loads(self.read_bytes(name))

    def names(self, prefix: str) -> list[str]:
        """The names of the objects under ``prefix/``, sorted; none if there is nothing."""
        return list(self.sizes(prefix))

    def sizes(self, prefix: str) -> dict[str, int]:
        """The objects under ``prefix/`` and their sizes in bytes, sorted by name (one listing)."""
        folder = self.path(prefix).rstrip("/") + "/"
        if not self.fs.exists(folder):
            return {}
        found = self.fs.find(folder, detail=True)
        return {
            path[len(self.root) + 1 :]: int(info["size"])
            for path, info in sorted(found.items())
            if path.startswith(folder)
        }

    def remove(self, prefix: str) -> None:
        """Every object under ``prefix/``, if there are any."""
        folder = self.path(prefix)
        if self.fs.exists(folder):
            self.fs.rm(folder, recursive=True)

    def remove_all(self) -> None:
        """Every object under the root."""
        if self.fs.exists(self.root):
            self.fs.rm(self.root, recursive=True)

    def __repr__(self) -> str:
        return f"Store({self.url!r})"
