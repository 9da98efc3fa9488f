"""Rate limits the client can see.

Every API throttle here records what it counted on the request; ``RateLimitHeadersMiddleware``
then answers with ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``
(seconds until the window frees a request) for the tightest of them, and a refused request
(429 ``throttled``) carries ``Retry-After`` from DRF."""

import math

from rest_framework import throttling


class RateLimitReporting:
    """Mixin for a ``SimpleRateThrottle``: notes limit, remaining and reset on the request."""

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is None or self.key is None:
            return allowed
        history = getattr(self, "history", [])
        remaining = max(self.num_requests - len(history), 0)
        reset = math.ceil(self.duration - (self.now - history[-1])) if history else 0
        current = getattr(request._request, "rate_limit", None)
        if current is None or remaining < current[1]:
            request._request.rate_limit = (self.num_requests, remaining, max(reset, 0))
        return allowed


class AnonRateThrottle(RateLimitReporting, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(RateLimitReporting, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(RateLimitReporting, throttling.ScopedRateThrottle):
    pass


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
