"""Rate limits the client can see.

Every API throttle here counts a request in a window of the rate's period that starts with
the key's first request (``skypark.core.cache.window_hit``: one round trip on Redis),
rather than DRF's list of every request's time, read and written whole on every request.
It records what it counted on the request; ``RateLimitHeadersMiddleware`` then answers with
``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until the
window ends) for the tightest of them, and a refused request (429 ``throttled``) carries
``Retry-After`` (the same seconds) from DRF. A refused request counts too: a client that
keeps trying stays refused until its window ends.

The rates are DRF's (``DEFAULT_THROTTLE_RATES``, read through
``SimpleRateThrottle.THROTTLE_RATES``). The key, ``ratelimit:<scope>:<ident>``, is not
DRF's ``throttle_<scope>_<ident>``, whose value is a list: a counter never meets one."""

import math

from rest_framework import throttling

from skypark.core.cache import window_hit


class RateLimitReporting:
    """Mixin for a ``SimpleRateThrottle``: counts in a window and notes limit, remaining
    and reset on the request."""

    cache_format = "ratelimit:%(scope)s:%(ident)s"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        count, left = window_hit(self.cache, self.key, self.duration)
        self.reset_seconds = max(math.ceil(left), 1)
        remaining = max(self.num_requests - count, 0)
        # Noted for the API's headers only (a web page sharing the limit passes Django's request).
        noted = getattr(request, "_request", None)
        current = getattr(noted, "rate_limit", None)
        if noted is not None and (current is None or remaining < current[1]):
            noted.rate_limit = (self.num_requests, remaining, self.reset_seconds)
        return count <= self.num_requests

    def wait(self):
        return getattr(self, "reset_seconds", self.duration)


class AnonRateThrottle(RateLimitReporting, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(RateLimitReporting, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(RateLimitReporting, throttling.ScopedRateThrottle):
    """The view's ``throttle_scope`` names the rate; keyed by user (or address)."""

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class RateLimitHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        limit = getattr(request, "rate_limit", None)
        if limit is not None:
            response.headers["RateLimit-Limit"] = str(limit[0])
            response.headers["RateLimit-Remaining"] = str(limit[1])
            response.headers["RateLimit-Reset"] = str(limit[2])
        return response


HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window.",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window allows a request again.",
}
