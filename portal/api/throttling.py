"""API throttling (kernel, API layer): a sliding-window request counter, one Redis round trip
per request. The portal's throttle (per personal token) is campaigns.api.authentication's
TokenRateThrottle, named in settings.

Kept apart from the views: DRF imports throttle classes from its settings while
rest_framework.views itself is being imported.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class SlidingWindowRateThrottle(SimpleRateThrottle):
    """Requests per caller (``get_cache_key``: a token, a user, an address) at the scope's rate,
    counted with a sliding-window counter.

    DRF's SimpleRateThrottle keeps the time of every request of the window in one cache entry
    that each request reads and writes whole: two round trips carrying up to 600 timestamps, and
    two requests of one token served at once by two workers each append to the same old list, so
    a script calling in parallel is undercounted. Here a request adds one to its window's counter
    atomically and reads the previous window's, in one round trip to Redis; the rate is the
    previous window's count weighted by the part of it still inside a sliding window, plus the
    current count. A refused request is taken back off the counter: only served requests count,
    as with DRF's throttle.
    """

    num_requests: int
    duration: int

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = f"a{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window, elapsed = divmod(self.now, self.duration)
        self.elapsed_share = elapsed / self.duration
        current_key, previous_key = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
        self.current, self.previous = _count_and_read(current_key, previous_key, ttl=2 * self.duration)
        if self._rate() <= self.num_requests:
            return True
        _uncount(current_key)
        self.current -= 1
        return False

    def _rate(self) -> float:
        return self.previous * (1 - self.elapsed_share) + self.current

    def wait(self) -> float:
        """Seconds until one more request fits: the previous window's weight has to fall by the
        excess, or, when the current window alone is full, the current window has to end."""
        remaining = self.duration * (1 - self.elapsed_share)
        excess = self._rate() + 1 - self.num_requests
        if self.previous and self.current + 1 <= self.num_requests:
            return max(1.0, min(remaining, excess / self.previous * self.duration))
        return max(1.0, remaining)


def _count_and_read(current_key: str, previous_key: str, *, ttl: int) -> tuple[int, int]:
    """Add one to the current counter (kept ``ttl`` seconds) and read it with the previous one.
    With Redis the keys are the cache's own (``cache.make_key``: its prefix and version)."""
    client = _redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.incr(cache.make_key(current_key))
        pipe.expire(cache.make_key(current_key), ttl)
        pipe.get(cache.make_key(previous_key))
        current, _expire, previous = pipe.execute()
        return int(current), int(previous or 0)
    # The embedded default's per-process cache: add then incr, each atomic within the process.
    cache.add(current_key, 0, timeout=ttl)
    return int(cache.incr(current_key)), int(cache.get(previous_key) or 0)


def _uncount(current_key: str) -> None:
    client = _redis_client()
    if client is not None:
        client.decr(cache.make_key(current_key))
    else:
        cache.decr(current_key)


def _redis_client() -> Any:
    """A Redis client on the default cache's server when the cache is Redis, else None.

    One round trip needs INCR, EXPIRE and GET in a pipeline, which Django's cache API does not
    offer."""
    config = settings.CACHES["default"]
    if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return None
    location = config["LOCATION"]
    return _redis_for(location if isinstance(location, str) else location[0])


@lru_cache(maxsize=4)
def _redis_for(location: str) -> Any:
    import redis

    return redis.Redis.from_url(location)
