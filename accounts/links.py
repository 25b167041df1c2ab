"""`reverse()`, remembered. A list page reverses the same few URL patterns hundreds of times
(each question's link, its tags', its author's), and reversing costs more than the rest of a
summary's rendering; the answer depends only on the URLconf, the script prefix and the
arguments, so it is kept (bounded), keyed on all of them."""

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


@functools.lru_cache(maxsize=50_000)
def _remembered(prefix: str, urlconf, viewname: str, kwargs: tuple) -> str:
    return reverse(viewname, urlconf=urlconf, kwargs=dict(kwargs))


def cached_reverse(viewname: str, **kwargs) -> str:
    return _remembered(get_script_prefix(), get_urlconf(), viewname, tuple(sorted(kwargs.items())))


@receiver(setting_changed)
def _forget(setting, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _remembered.cache_clear()
