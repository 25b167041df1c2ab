"""The REST API at /api/v1/ (Django REST framework + drf-spectacular): a third door onto the same
services, selectors and permission functions as the web pages and the console.

How to add a resource (read api/resources/questions.py first: it is the pattern)
----------------------------------------------------------------------------------

1. A module `api/resources/<name>.py` with its serializers and one ViewSet (or APIView), with
   `lookup_value_converter = "int"` for numeric ids (the router uses path converters, so the
   schema types them). Register it in api/urls.py:
   `router.register("<plural>", <Name>ViewSet, basename="<name>")`. Questions and answers share
   api.resources.posts.PostViewSet (retrieve, edit-or-suggest, comments, votes) and
   api.resources.moderation.PostModeration (flag, delete, restore).
2. Reads call the app's **selectors** (visibility rules and prefetching live there), writes its
   **services** (which call the `allow_*` rules again). Never re-decide a rule in the API: when
   something is refused, let the `PermissionDenied` from `allow_*` propagate; api/errors.py turns
   it into 403 (or 401 for an anonymous caller) carrying the web's own sentence. What the caller
   may not see is a 404 (`Http404`, e.g. from `forum.selectors.post_get`), as on the web. A
   Django `ValidationError` becomes 400 with per-field messages; a posting limit 429 with
   `Retry-After`.
3. Input: validate with the web's Django form when there is one (`api.serializers.FormSerializer`
   with `form_class = ...`: same messages as the web); declare the fields on it for the schema.
   Query parameters: a small Serializer (`QuestionListQuery`) validated in the view and named in
   `@extend_schema(parameters=[...])`.
4. Output: plain `serializers.Serializer` classes with explicit fields; people through
   `api.serializers.AuthorSerializer` (name, username, reputation, flairs); `WebUrlField` for the
   web page's link. Watch the query count: lists come from selectors that select/prefetch what
   the serializer reads; tests assert it with django_assert_max_num_queries.
5. Lists are paginated by `api.pagination.Cursor` (the default): return
   `self.get_paginated_response(...)` from `self.paginate_queryset(queryset)`. The order is the
   queryset's own `order_by`, which must end with a unique field (add "-pk" / "pk").
6. Scopes: GET needs `read`, other methods `write` (api/permissions.py). A view that does
   moderators' work or manages webhooks says so: `required_scopes = {"POST": "manage"}` on the
   class, or per action `@action(..., required_scopes={"POST": "moderate"})` (the class must then
   have a `required_scopes` attribute, as PostViewSet does); the account's own rule (moderator,
   community manager) is still asked by the service. A key is never more than its owner.
7. Nothing else to do for errors, ETags (api/etags.py, every GET 200), throttling
   (api/throttling.py, per account) or the error responses in the schema (api/schema.py adds
   400/401/403/404/429 to every operation). Give each operation a `summary` with
   `@extend_schema`, then run `manage.py spectacular --validate --fail-on-warn` clean.
8. Tests in tests/api/ (fixtures `api`, `key_for`, `bearer` in tests/api/conftest.py): the
   resource's reads and writes, its refusals with the web's sentences, its list's query count.
   tests/api/test_schemathesis.py checks every operation against the schema on its own.
"""
