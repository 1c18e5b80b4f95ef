"""API keys and their limits: key format, hashing, scopes and a per-key token bucket.

Pure functions and an in-memory limiter; the table that stores keys is in :mod:`whomade.api.store`.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

Scope = Literal["screen", "read", "admin"]
SCOPES: tuple[Scope, ...] = ("screen", "read", "admin")
KEY_PREFIX = "wm_"
#: How long a verified key is trusted without asking the database again; a revoked key stops
#: working within this many seconds in every worker process.
KEY_CACHE_SECONDS = 5.0

Info = TypeVar("Info")

#: Which key scopes may call each kind of endpoint.
SCREEN_SCOPES: frozenset[str] = frozenset({"screen", "admin"})
READ_SCOPES: frozenset[str] = frozenset({"read", "screen", "admin"})


def new_key() -> str:
    """A fresh random API key, e.g. ``wm_3q2...``; shown once, stored only as a hash."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The stored form of a key: hex SHA-256 (random keys need no salt)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_hint(key: str) -> str:
    """A short, non-secret prefix for listings so users can tell their keys apart."""
    return key[: len(KEY_PREFIX) + 4]


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """A token bucket per key name: ``rate`` requests per second, bursts up to ``burst``."""

    rate: float = 50.0
    burst: int = 100
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, name: str) -> float:
        """Spend one token of ``name``; 0 when allowed, else the seconds until a token is back."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                bucket = self._buckets[name] = _Bucket(tokens=float(self.burst), updated=now)
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate
            )
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate if self.rate > 0 else math.inf


@dataclass
class KeyCache(Generic[Info]):
    """Verified keys remembered by hash for ``ttl`` seconds, so a request costs no database read.

    Only live keys are remembered: an unknown or revoked key is looked up again every time (a
    key created a moment ago works at once), and a revocation is seen within ``ttl`` seconds,
    when the remembered entry expires. ``ttl`` of 0 asks the database on every request.
    """

    ttl: float = KEY_CACHE_SECONDS
    max_keys: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, tuple[Info, float]] = field(default_factory=dict)

    def get(self, key_hash: str) -> Info | None:
        """The remembered key for ``key_hash`` if it was verified less than ``ttl`` ago."""
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if self.clock() >= entry[1]:
            self._entries.pop(key_hash, None)
            return None
        return entry[0]

    def put(self, key_hash: str, info: Info) -> None:
        """Remember a key the database has just confirmed live."""
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_keys:
            self._entries.clear()  # keys are few; a flood of distinct live keys only costs lookups
        self._entries[key_hash] = (info, self.clock() + self.ttl)
