"""Credentials in URLs (``https://user:secret@host/…``, as an Airflow HTTP Connection with a login
makes them) are sent, never landed, logged or shown: every URL that is written anywhere goes
through ``redact`` first."""

from __future__ import annotations

import re

# The user-information part of any URL in a text: "scheme://<userinfo>@".
_USERINFO = re.compile(r"(?<=://)[^/?#@\s]*@")


def redact(text: str) -> str:
    """``text`` with the credentials of every URL in it taken out."""
    return _USERINFO.sub("", text)
