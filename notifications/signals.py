"""Counting a member's unread notifications when they log in.

The bell is on every page, and its number is cached per member. Counting at login, rather than
on the first page after it, keeps that page (often a busy one, such as search) within its query
budget; later pages read the cache until a notification arrives or is read."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from notifications import selectors


@receiver(user_logged_in, dispatch_uid="notifications.count_unread_at_login")
def count_unread_at_login(sender, request, user, **kwargs):
    selectors.unread_count(user)
