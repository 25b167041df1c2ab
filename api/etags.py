"""ETags on every successful read of the API: a strong validator computed from the body sent,
so `If-None-Match` with it answers 304 without the body. Cheap: one SHA-256 of a response we
have anyway. The body depends on who asks (their own held posts, their flags), so the response
varies on Authorization and Cookie and may be stored only by the caller's own cache."""

import hashlib

from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

PREFIX = "/api/"


class ApiETagMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(PREFIX) or request.method not in ("GET", "HEAD"):
            return response
        if response.status_code != 200 or response.streaming or response.has_header("ETag"):
            return response
        patch_vary_headers(response, ("Authorization", "Cookie"))
        patch_cache_control(response, private=True, no_cache=True)
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
        return get_conditional_response(request, etag=response["ETag"], response=response)
