"""The anonymous page cache (README, "Anonymous page cache").

Readers who are not signed in get the question page, the question lists (home, sorts, pages),
tag pages and the tag list from Django's cache (Redis with REDIS_URL, local memory without),
stored the first time one of them asks. A page is stored under *generations*: counters in the
cache that writes bump after they commit, so a changed page is never served again:

- one per question (`question_changed`): its page;
- one for the lists (every question change bumps it too: scores, counts and activity show there);
- one for the whole site (`site_changed`): people (names, reputation, flair), branding, tags,
  and any write this module does not know to be about one question.

A page is read under the generations read *before* it was rendered: a write that commits while
it renders bumps them after, so the page stored is one no one asks for again. Writes reach here
through model signals (every save, delete and many-to-many change of any model, but the few
kinds listed in IGNORED, which no public page shows) and, for the writes that bypass signals
(`QuerySet.update`), through explicit calls in the services that make them.

Only a request with neither a session nor a messages cookie is served or stored: a signed-in
member (or anyone mid-login, or with a message waiting) always gets their own page. The page is
stored with its CSRF tokens replaced by a placeholder and each reader gets a fresh token of
their own (and the CSRF cookie, as without the cache). Headers the middleware adds (the
Content-Security-Policy, which uses no nonce, and the others) are added to each response anew.
COMMONPLACE_PAGE_CACHE_SECONDS bounds how long a page lives ("asked 3 minutes ago"); 0 turns
the cache off.

A repeated page is served by `EarlyHitMiddleware`, placed just inside the security and CSP
middleware (config/settings.py), before the session, CSRF and authentication middleware and the
URL resolver: the stored page names the generations it depends on, so a hit is two cache round
trips (the page; its generations, the branding's version and the view's "seen" mark) and none
of Django's per-request work that a stored page does not need. It gives the response exactly
what the middleware it skips would have (the CSRF cookie, `Vary: Cookie`, `X-Frame-Options`,
`Content-Length`) and anything else falls through to the normal stack, where the view's
decorator (`anonymous_page`) serves, or renders and stores.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CsrfViewMiddleware
from django.utils.cache import patch_vary_headers

from branding import selectors as branding
from forum.models import Answer

log = logging.getLogger(__name__)

SITE, LISTS = "pagecache:gen:site", "pagecache:gen:lists"
CSRF_PLACEHOLDER = "\x00csrf\x00"
_CSRF_TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+(")')

# Models written often that no anonymous page shows: their writes bump nothing.
IGNORED = frozenset(
    {
        "sessions.session",
        "admin.logentry",
        "account.emailaddress",
        "account.emailconfirmation",
        "notifications.notification",
        "reputation.reputationevent",
        "accounts.apikey",
        "integrations.delivery",
        "integrations.event",
        "privacy.dataexport",
        "insights.insightsnapshot",
    }
)


def _question_key(question_id: int) -> str:
    return f"pagecache:gen:q:{question_id}"


# --- Bumping ----------------------------------------------------------------------------------


def _bump(keys: Iterable[str]) -> None:
    """Add one to each generation, in one round trip where the cache can (config.cache's
    `incr_many`). A generation never set (or evicted) starts afresh at the clock in nanoseconds:
    never a value an earlier page can have been stored under."""
    keys = list(dict.fromkeys(keys))
    try:
        incr_many = getattr(cache, "incr_many", None)
        if incr_many is not None:
            values = incr_many(keys)
        else:
            values = [cache.incr(key) if cache.has_key(key) else 1 for key in keys]
        for key, value in zip(keys, values, strict=True):
            if value == 1:
                cache.set(key, time.time_ns(), timeout=None)
    except Exception:
        log.warning("Could not bump page generations %s.", keys, exc_info=True)


def _pending_callback(connection) -> set | None:
    """The keys of this transaction's after-commit bump, while it is still scheduled."""
    pending = getattr(connection, "pagecache_pending", None)
    if pending is None:
        return None
    keys, callback = pending
    if any(func is callback for _sids, func, _robust in connection.run_on_commit):
        return keys
    return None


def _after_commit(keys: list[str], using: str | None = None) -> None:
    """Bump now and again after commit. After commit is what makes it exact: a page rendered
    from the data before the write, stored meanwhile, is under the old generation. Now, too,
    so the writer's own transaction (and a test's, which never commits) reads its change.
    A transaction's writes share one after-commit bump."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _bump(keys)
        return
    _bump(keys)
    scheduled = _pending_callback(connection)
    if scheduled is not None:
        scheduled.update(keys)
        return
    pending = set(keys)

    def bump_after_commit() -> None:
        connection.pagecache_pending = None
        _bump(pending)

    connection.pagecache_pending = (pending, bump_after_commit)
    transaction.on_commit(bump_after_commit, using=using)


def question_changed(*question_ids: int | None, using: str | None = None) -> None:
    """Questions' pages and the lists changed (after commit)."""
    keys = [_question_key(pk) for pk in question_ids if pk]
    _after_commit([*keys, LISTS], using)


def site_changed(using: str | None = None) -> None:
    """Every page may have changed (after commit): people, branding, tags, anything unknown."""
    _after_commit([SITE], using)


def _question_of(instance) -> int | None:
    """The question a saved or deleted row belongs to, or None when it is about no one question."""
    label = instance._meta.label_lower
    if label == "forum.question":
        return instance.pk
    if label == "taggit.taggeditem":
        kind = ContentType.objects.get_for_id(instance.content_type_id).model
        return instance.object_id if kind == "question" else None
    question_id = getattr(instance, "question_id", None)
    if question_id:
        return question_id
    answer_id = getattr(instance, "answer_id", None)
    if answer_id:
        cached = instance._state.fields_cache.get("answer")
        if cached is not None:
            return cached.question_id
        return Answer.objects.filter(pk=answer_id).values_list("question_id", flat=True).first()
    return None


def _row_written(sender, instance, using=None, **kwargs) -> None:
    label = sender._meta.label_lower
    if label in IGNORED or getattr(instance, "_meta", None) is None:
        return
    if label == "accounts.user" and kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # signing in changes nothing anyone else sees
    question_id = _question_of(instance) if label != "accounts.user" else None
    if question_id:
        question_changed(question_id, using=using)
    else:
        site_changed(using=using)


def _relation_changed(sender, instance, action, using=None, **kwargs) -> None:
    if action.startswith("post_"):
        _row_written(type(instance), instance, using=using)


def connect() -> None:
    post_save.connect(_row_written, dispatch_uid="pagecache-save")
    post_delete.connect(_row_written, dispatch_uid="pagecache-delete")
    m2m_changed.connect(_relation_changed, dispatch_uid="pagecache-m2m")


# --- Serving ----------------------------------------------------------------------------------


def _enabled() -> bool:
    return settings.COMMONPLACE_PAGE_CACHE_SECONDS > 0


def servable(request: HttpRequest) -> bool:
    """Only readers with no session and no message waiting: nothing on their page is theirs."""
    return (
        request.method == "GET"
        and _enabled()
        and not request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        and not request.COOKIES.get("messages")
        and not request.headers.get("HX-Request")
    )


def _page_key(request: HttpRequest) -> str:
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return "pagecache:page:v2:" + hashlib.sha256(where.encode()).hexdigest()[:32]


def _lookup(keys: list[str], page_key: str, claim: tuple | None) -> tuple[tuple, object, bool]:
    """The current generations named (with the branding's version: the branding refreshes its
    own cached copy after commit, branding.selectors, so a page is keyed on the copy pages
    render with), what is stored for the page and whether `claim` (a key and its lifetime,
    added if absent) was new: in one round trip where the cache can (config.cache)."""
    wanted = [*keys, branding.CACHE_KEY, page_key]
    claimed = False
    if claim is None:
        found = cache.get_many(wanted)
    elif hasattr(cache, "get_many_and_add"):
        found, claimed = cache.get_many_and_add(wanted, claim[0], 1, claim[1])
    else:
        found, claimed = cache.get_many(wanted), cache.add(claim[0], 1, timeout=claim[1])
    missing = [key for key in keys if key not in found]
    for key in missing:  # first use: start at a value no earlier page can have been stored under
        cache.add(key, time.time_ns(), timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    brand = found.get(branding.CACHE_KEY)
    if not isinstance(brand, branding.Brand):
        brand = branding.current()
    stamp = brand.updated_at.timestamp() if brand.updated_at else 0
    return (*(found.get(key) for key in keys), stamp), found.get(page_key), claimed


def anonymous_page(
    question: Callable[..., int] | None = None,
    on_hit: Callable[..., None] | None = None,
    claim: Callable[..., tuple[str, int]] | None = None,
):
    """Serve a GET view's 200 pages to anonymous readers from the cache. `question(**kwargs)`
    names the question the page shows (else it is a list); `on_hit(request, **kwargs)` runs on
    every page served from the cache (counting a view). A page is stored with the generations
    it was rendered under and served only while they are still the current ones.

    `claim(request, **kwargs)` names a key (and its lifetime) to add in the same round trip as
    the read, hit or miss; `request.pagecache_claimed` then says whether it was new (the view
    counter's "seen" mark: one round trip for a page served and its view counted). When the
    view answers anything but 200 (a redirect to the right slug), the claim is taken back."""

    def decorate(view):
        name = f"{view.__module__}.{view.__qualname__}"
        _HIT_HOOKS[name] = (on_hit, claim)

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not servable(request):
                return view(request, *args, **kwargs)
            keys = [SITE, _question_key(question(**kwargs)) if question else LISTS]
            claimed_key = claim(request, **kwargs) if claim else None
            try:
                key = _page_key(request)
                generations, stored, request.pagecache_claimed = _lookup(keys, key, claimed_key)
            except Exception:
                log.warning("Page cache unavailable.", exc_info=True)
                request.pagecache_claimed = None  # not tried: the view counts as without the cache
                return view(request, *args, **kwargs)
            if stored is not None and stored[0] == generations:
                if on_hit:
                    on_hit(request, *args, **kwargs)
                return _response(request, stored)
            # What is stored is read from the primary (config.replicas): a replica still behind
            # a write would store the page before it under the generations the write bumped.
            request.reads_from_primary = True
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.cookies
                and not getattr(response, "streaming", False)
            ):
                _store(key, generations, response, keys=keys, view=name, kwargs=kwargs)
            elif response.status_code != 200 and request.pagecache_claimed:
                _unclaim(claimed_key[0])
            return response

        return wrapper

    return decorate


# What a stored page's view does on a hit served before it is reached (EarlyHitMiddleware):
# its `on_hit` and `claim`, by the view's dotted name, which the stored page records.
_HIT_HOOKS: dict[str, tuple[Callable | None, Callable | None]] = {}


def _unclaim(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        log.warning("Could not take back %s.", key, exc_info=True)


def _store(
    key: str, generations: tuple, response: HttpResponse, *, keys: list[str], view: str, kwargs: dict
) -> None:
    """The page as bytes in pieces around its CSRF tokens, which each reader gets their own of,
    with the generation keys it was stored under and its view (name and arguments), for
    EarlyHitMiddleware."""
    content = _CSRF_TOKENS.sub(
        lambda m: m.group(1) + CSRF_PLACEHOLDER + m.group(2), response.content.decode()
    )
    parts = [part.encode() for part in content.split(CSRF_PLACEHOLDER)]
    headers = [
        (name, value) for name, value in response.items() if name.lower() not in {"vary", "set-cookie"}
    ]
    try:
        cache.set(
            key,
            (generations, parts, headers, keys, view, kwargs),
            timeout=settings.COMMONPLACE_PAGE_CACHE_SECONDS,
        )
    except Exception:
        log.warning("Could not store a page.", exc_info=True)


_CSRF_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}


def _random_csrf_string(length: int = CSRF_SECRET_LENGTH) -> str:
    """`length` characters of CSRF_ALLOWED_CHARS from the system's random source, uniformly (a
    byte under 248 = 4 x 62 is kept, modulo 62), as django.utils.crypto.get_random_string makes
    them: from one read of random bytes instead of one per character."""
    size = len(CSRF_ALLOWED_CHARS)
    limit = 256 - 256 % size
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(
            CSRF_ALLOWED_CHARS[byte % size] for byte in secrets.token_bytes(length + 8) if byte < limit
        )
    return "".join(chars[:length])


def csrf_token(request: HttpRequest) -> str:
    """What django.middleware.csrf.get_token returns and marks on the request (the reader's
    secret, or a new one, sent back in the cookie by CsrfViewMiddleware.process_response),
    the secret masked with a new random mask, the same way."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = _random_csrf_string()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_csrf_string()
    size = len(CSRF_ALLOWED_CHARS)
    cipher = "".join(
        CSRF_ALLOWED_CHARS[(_CSRF_INDEX[x] + _CSRF_INDEX[y]) % size]
        for x, y in zip(secret, mask, strict=True)
    )
    return mask + cipher


def _response(request: HttpRequest, stored) -> HttpResponse:
    parts, headers = stored[1], stored[2]
    content = parts[0] if len(parts) == 1 else csrf_token(request).encode().join(parts)
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    patch_vary_headers(response, ["Cookie"])
    return response


# --- Serving a hit before the rest of the stack -----------------------------------------------


def _current(keys: list[str], claim: tuple | None) -> tuple[dict, bool]:
    """The generations named and the branding, and whether `claim` was new: one round trip."""
    wanted = [*keys, branding.CACHE_KEY]
    if claim is None:
        return cache.get_many(wanted), False
    if hasattr(cache, "get_many_and_add"):
        return cache.get_many_and_add(wanted, claim[0], 1, claim[1])
    return cache.get_many(wanted), cache.add(claim[0], 1, timeout=claim[1])


class EarlyHitMiddleware:
    """Serves a stored anonymous page before the session, CSRF and authentication middleware
    and the URL resolver run (module docstring). Anything it cannot serve as the view's
    decorator would (no page stored, a generation changed or not in the cache, the branding not
    cached, a cache error) goes on to the rest of the stack unchanged."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Django's own CSRF and X-Frame-Options handling, through their public hooks.
        self.csrf = CsrfViewMiddleware(get_response)
        self.frame_options = XFrameOptionsMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if servable(request) and not settings.CSRF_USE_SESSIONS:
            response = self.hit(request)
            if response is not None:
                return response
        return self.get_response(request)

    def hit(self, request: HttpRequest) -> HttpResponse | None:
        claimed = None
        try:
            key = _page_key(request)
            about = _PAGES.get(key)
            if about is None:  # the first hit on this page in this process: what it depends on
                stored = cache.get(key)
                if stored is None:
                    return None
                about = _remember(key, stored[3:])
            keys, view, kwargs = about
            if view not in _HIT_HOOKS:  # its module not imported yet (the URLconf not loaded)
                raise LookupError("view unknown")
            on_hit, claim = _HIT_HOOKS[view]
            request.user = AnonymousUser()  # no session cookie: what AuthenticationMiddleware gives
            claimed = claim(request, **kwargs) if claim else None
            found, request.pagecache_claimed = _current([key, *keys], claimed)
            stored, brand = found.get(key), found.get(branding.CACHE_KEY)
            if stored is None or tuple(stored[3:]) != about:
                raise LookupError("not stored")
            if not isinstance(brand, branding.Brand) or any(name not in found for name in keys):
                raise LookupError("not all generations cached")
            stamp = brand.updated_at.timestamp() if brand.updated_at else 0
            if (*(found[name] for name in keys), stamp) != stored[0]:
                raise LookupError("changed")
        except Exception as miss:
            if not isinstance(miss, LookupError):
                log.warning("Page cache unavailable.", exc_info=True)
            if claimed is not None and getattr(request, "pagecache_claimed", False):
                _unclaim(claimed[0])  # the view claims again as it renders
            for name in ("user", "pagecache_claimed"):
                request.__dict__.pop(name, None)
            return None
        if on_hit:
            on_hit(request, **kwargs)
        self.csrf.process_request(request)  # the reader's CSRF cookie, as CsrfViewMiddleware reads it
        response = _response(request, stored)
        response = self.csrf.process_response(request, response)
        response = self.frame_options.process_response(request, response)
        response.headers["Content-Length"] = str(len(response.content))
        return response


# What each page key is the page of (its generation keys, view and arguments): fixed by its
# address, so a process learns it once and a hit is then one round trip. Bounded: forgotten
# wholesale past _PAGES_KEPT (a crawl of every page costs one extra round trip each, no more).
_PAGES: dict[str, tuple] = {}
_PAGES_KEPT = 20_000


def _remember(key: str, about) -> tuple:
    about = tuple(about)
    if len(_PAGES) >= _PAGES_KEPT:
        _PAGES.clear()
    _PAGES[key] = about
    return about
