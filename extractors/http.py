"""One HTTP client for every source: a pooled ``requests.Session``, timeouts, retries with
exponential backoff and jitter on 5xx, 429 (honouring ``Retry-After``), connection errors,
timeouts and unparseable bodies."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ExtractError(RuntimeError):
    """A source request failed for good; the message names what was asked and why."""

    def __init__(self, what: str, params: dict[str, Any] | None, reason: str) -> None:
        shown = json.dumps(params or {}, ensure_ascii=False, sort_keys=True)
        super().__init__(f"{what} failed (params {shown}): {reason}")
        self.what, self.params, self.reason = what, params, reason


@dataclass
class Fetched:
    """A response body as received, parsed as JSON."""

    url: str
    params: dict[str, Any]
    status: int
    body: bytes
    data: Any

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
    ) -> None:
        self.timeout_s, self.retries = timeout_s, retries
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
        return self._fetch(method, url, what, params, form, json.loads)

    def fetch_bytes(self, url: str, *, what: str) -> bytes:
        """GET a file (an annex), with the same retries; the body is not parsed."""
        return self._fetch("GET", url, what, {}, None, lambda body: None).body

    def _fetch(
        self,
        method: str,
        url: str,
        what: str,
        params: dict[str, Any],
        form: dict[str, str] | None,
        parse: Callable[[bytes], Any],
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
                if method == "POST":
                    resp = self.session.post(url, data=form, timeout=self.timeout_s)
                else:
                    resp = self.session.get(url, params=params, timeout=self.timeout_s)
            except (requests.ConnectionError, requests.Timeout) as exc:
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("%s: %s (attempt %d)", what, reason, attempt + 1)
                continue
            if resp.status_code in RETRY_STATUSES:
                reason = f"HTTP {resp.status_code}"
                retry_after = resp.headers.get("Retry-After")
                log.warning("%s: %s (attempt %d)", what, reason, attempt + 1)
                continue
            if resp.status_code >= 400:
                raise ExtractError(what, params, f"HTTP {resp.status_code}: {resp.text[:200]}")
            try:
                data = parse(resp.content)
            except ValueError as exc:  # a truncated body is as transient as a 503
                reason = f"HTTP {resp.status_code} with a body that is not JSON ({exc})"
                log.warning("%s: %s (attempt %d)", what, reason, attempt + 1)
                continue
            return Fetched(resp.url, params, resp.status_code, resp.content, data)
        raise ExtractError(what, params, f"{reason} after {self.retries + 1} attempts")

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
