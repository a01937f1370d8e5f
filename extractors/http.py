"""One HTTP client for every source: a pooled ``requests.Session``, timeouts, an overall
deadline per request, retries with exponential backoff and jitter on 5xx, 429 (honouring
``Retry-After``), connection errors, bodies cut short or reset while being read, timeouts and
unparseable bodies. Bodies are decoded by their declared charset (or their byte-order mark),
and URLs are shown without their credentials (``extractors.urls``)."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from email.message import Message
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from extractors.urls import redact
from tthc.failures import Permanent

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Failures while a request is sent or its body read: as transient as a 503. A body cut short
# or reset mid-way is ChunkedEncodingError; a garbled compressed one ContentDecodingError.
TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class DeadlineExceeded(requests.Timeout):
    """The body did not arrive whole within the request's overall deadline (a server that
    drips a byte at a time never trips the read timeout)."""


class ExtractError(RuntimeError):
    """A source request failed for good; the message names what was asked and why."""

    def __init__(self, what: str, params: dict[str, Any] | None, reason: str) -> None:
        shown = json.dumps(params or {}, ensure_ascii=False, sort_keys=True)
        super().__init__(f"{what} failed (params {shown}): {reason}")
        self.what, self.params, self.reason = what, params, reason


class SourceRefused(ExtractError, Permanent):
    """The source answered a 4xx that retrying cannot change (404: no such period or page;
    401/403: not allowed): the run fails at once, and an orchestrator should not retry it."""


@dataclass
class Fetched:
    """A response body as received, parsed as JSON (``data``; None for a page that is not)."""

    url: str
    params: dict[str, Any]
    status: int
    body: bytes
    data: Any
    charset: str = "utf-8"  # how ``body`` is encoded (kept as received, byte for byte)

    @classmethod
    def of(cls, url: str, params: dict[str, Any], data: Any) -> Fetched:
        """A page this project made itself from a source (an annex file's cells)."""
        body = json.dumps(data, ensure_ascii=False).encode()
        return cls(url, params, 200, body, data)


class RateLimiter:
    """At most ``per_second`` requests a second across all threads (None = no limit)."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._lock = threading.Lock()
        self._next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next_at)
            self._next_at = at + self.interval
        if at > now:
            time.sleep(at - now)


class HttpClient:
    """Safe to share between worker threads: each thread gets its own pooled session."""

    def __init__(
        self,
        *,
        timeout_s: float = 30.0,
        retries: int = 4,
        backoff_s: float = 0.5,
        backoff_max_s: float = 30.0,
        rate_limit_per_s: float | None = None,
        pool_size: int = 8,
        deadline_s: float | None = None,
    ) -> None:
        """``timeout_s``: to connect, and between two reads; ``deadline_s``: for the whole
        request, body included (default four timeouts)."""
        self.timeout_s, self.retries = timeout_s, retries
        self.deadline_s = deadline_s or 4 * timeout_s
        self.backoff_s, self.backoff_max_s = backoff_s, backoff_max_s
        self.rate_limiter = RateLimiter(rate_limit_per_s)
        self.pool_size = pool_size
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self.requests_sent = 0

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(
                pool_connections=self.pool_size, pool_maxsize=self.pool_size, max_retries=0
            )
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def fetch_json(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: dict[str, Any],
        form: dict[str, str] | None = None,
    ) -> Fetched:
        """Send one request, retrying transient failures; raise ExtractError when out of tries."""
        return self._fetch(method, url, what, params, form, True)

    def fetch_page(self, url: str, *, what: str, params: dict[str, Any]) -> Fetched:
        """GET a page that is not JSON (a portal's HTML page), with the same retries; the body
        is kept as received, its charset noted."""
        return self._fetch("GET", url, what, params, None, False)

    def fetch_bytes(self, url: str, *, what: str) -> bytes:
        """GET a file (an annex), with the same retries; the body is not parsed."""
        return self._fetch("GET", url, what, {}, None, False).body

    def _fetch(
        self,
        method: str,
        url: str,
        what: str,
        params: dict[str, Any],
        form: dict[str, str] | None,
        as_json: bool,
    ) -> Fetched:
        reason, retry_after = "", None
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(attempt, retry_after)
                retry_after = None
            self.rate_limiter.wait()
            with self._lock:
                self.requests_sent += 1
            try:
                resp, body = self._send(method, url, params, form)
            except TRANSIENT as exc:
                reason = f"{type(exc).__name__}: {redact(str(exc))}"
                log.warning("%s: %s (attempt %d)", what, reason, attempt + 1)
                continue
            if resp.status_code in RETRY_STATUSES:
                reason = f"HTTP {resp.status_code}"
                retry_after = resp.headers.get("Retry-After")
                log.warning("%s: %s (attempt %d)", what, reason, attempt + 1)
                continue
            if resp.status_code >= 400:
                shown = redact(body[:200].decode(errors="replace"))
                error = SourceRefused if resp.status_code < 500 else ExtractError
                raise error(what, params, f"HTTP {resp.status_code}: {shown}")
            charset = _charset(resp, body)
            data = None
            if as_json:
                try:
                    data = json.loads(body.decode(charset))
                except (ValueError, LookupError) as exc:  # a truncated body: as transient
                    reason = f"HTTP {resp.status_code} with a body that is not JSON ({exc})"
                    log.warning("%s: %s (attempt %d)", what, reason, attempt + 1)
                    continue
            return Fetched(redact(resp.url), params, resp.status_code, body, data, charset)
        raise ExtractError(what, params, f"{reason} after {self.retries + 1} attempts")

    def _send(self, method, url, params, form) -> tuple[requests.Response, bytes]:
        """The response and its whole body, read within the deadline."""
        deadline = time.monotonic() + self.deadline_s
        if method == "POST":
            resp = self.session.post(url, data=form, timeout=self.timeout_s, stream=True)
        else:
            resp = self.session.get(url, params=params, timeout=self.timeout_s, stream=True)
        with resp:
            body = bytearray()
            for chunk in resp.iter_content(64 * 1024):
                body += chunk
                if time.monotonic() > deadline:
                    raise DeadlineExceeded(
                        f"the body was not whole after {self.deadline_s:g} s "
                        f"({len(body)} bytes so far)"
                    )
        return resp, bytes(body)

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = min(self.backoff_max_s, self.backoff_s * 2 ** (attempt - 1))
        delay *= random.uniform(0.5, 1.0)  # jitter, so parallel workers do not retry in step
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), self.backoff_max_s))
        time.sleep(delay)

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _charset(resp: requests.Response, body: bytes) -> str:
    """The body's encoding: a byte-order mark wins, then the declared charset, then UTF-8 (JSON's
    own default; requests would guess ISO-8859-1 for text without a charset)."""
    for mark, name in _BOMS:
        if body.startswith(mark):
            return name
    message = Message()
    message["content-type"] = resp.headers.get("content-type", "")
    declared = message.get_param("charset")
    return declared.lower() if isinstance(declared, str) else "utf-8"
