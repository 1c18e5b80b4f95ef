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
from typing import Literal

Scope = Literal["screen", "read", "admin"]
SCOPES: tuple[Scope, ...] = ("screen", "read", "admin")
KEY_PREFIX = "wm_"

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
