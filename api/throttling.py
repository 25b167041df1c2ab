"""Request limits, the same for every role (staff and moderators get no higher ones): reads and
writes counted separately per account (per IP address for anonymous readers), in Django's cache
(Redis in production). Rates come from settings at each request, so they can be changed without
touching code: COMMONPLACE_API_READ_RATE and COMMONPLACE_API_WRITE_RATE ("600/min", "60/min").
The posting limits of forum/limits.py apply on top, through the services."""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle


class _AccountThrottle(SimpleRateThrottle):
    setting = ""
    writes = False

    def get_rate(self) -> str | None:
        return getattr(settings, self.setting, None) or None

    def allow_request(self, request, view) -> bool:
        if (request.method not in SAFE_METHODS) != self.writes:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReadThrottle(_AccountThrottle):
    scope = "api-read"
    setting = "COMMONPLACE_API_READ_RATE"


class WriteThrottle(_AccountThrottle):
    scope = "api-write"
    setting = "COMMONPLACE_API_WRITE_RATE"
    writes = True
