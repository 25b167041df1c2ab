"""Cursor pagination for every list: `next` and `previous` are opaque links, stable while rows
are added (no page drifts as new questions arrive, unlike page numbers).

The order is the selector's own (its queryset's `order_by`), so the API lists exactly what the
web page lists in the same order; each of those orders ends with the primary key, so ties are
broken the same way every time."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-pk",)  # only for a queryset without an order of its own

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        return tuple(queryset.query.order_by) or self.ordering
