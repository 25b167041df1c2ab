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


_PLAIN = (int, str)


@functools.lru_cache(maxsize=50_000)
def _remembered_args(prefix: str, urlconf, viewname: str, args: tuple, kwargs: tuple, current_app) -> str:
    return reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def remembered_reverse(viewname, args: tuple, kwargs: dict, current_app=None) -> str:
    """What `{% url %}` would give (accounts.templatetags.remembered_urls), kept when every
    argument is a plain number or string; reversed afresh otherwise."""
    if isinstance(viewname, str) and all(type(value) in _PLAIN for value in (*args, *kwargs.values())):
        return _remembered_args(
            get_script_prefix(), get_urlconf(), viewname, args, tuple(sorted(kwargs.items())), current_app
        )
    return reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)


def cached_reverse(viewname: str, **kwargs) -> str:
    return _remembered(get_script_prefix(), get_urlconf(), viewname, tuple(sorted(kwargs.items())))


@receiver(setting_changed)
def _forget(setting, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _remembered.cache_clear()
        _remembered_args.cache_clear()
