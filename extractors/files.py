"""A document file as read from a folder, a URL or the portal, and the error of one that cannot
be read: a leaf, so every reader (``extractors.annex``, ``extractors.pdf``) shares them without
importing each other."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath


class AnnexFileError(RuntimeError):
    """An annex file that cannot be read at all; the message names the file and why."""


@dataclass(frozen=True)
class AnnexFile:
    url: str
    name: str  # the file name, shown in quarantine and errors
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()
