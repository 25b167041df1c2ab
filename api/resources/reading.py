"""What the read resources share: query parameters checked by a small serializer, and one page
of a selector's rows, serialized, with the people on it given their moderator flair in one query."""

from accounts.selectors import mark_moderators


def parsed(query_class, request) -> dict:
    """The request's query parameters, validated by `query_class`: 400 naming the field if not."""
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


class PagedReads:
    # Mixed into a GenericViewSet (no docstring: the schema would show it on every operation).

    def paged(self, rows, people=None):
        """One cursor page of `rows` (a selector's queryset, in its own order); `people(row)`
        names the row's people whose flairs are shown."""
        page = self.paginate_queryset(rows)
        if people is not None:
            mark_moderators(person for row in page for person in people(row))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
