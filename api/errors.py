"""One JSON shape for every error the API answers:

    {"error": {"status": 403, "code": "permission_denied",
               "message": "Voting down needs 50 reputation; you have 1.", "fields": {}}}

`message` is the sentence the web shows for the same refusal (the PermissionDenied raised by an
`allow_*` rule, a form's or a service's ValidationError, a posting limit); `fields` holds
validation messages per field, as the web forms word them. A 401 carries `WWW-Authenticate`,
a 429 `Retry-After` (seconds)."""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from forum.limits import PostLimited

logger = logging.getLogger("api")

NON_FIELD = ("non_field_errors", "__all__")


def body(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [text for value in detail.values() for text in _flatten(value)]
    if isinstance(detail, list | tuple):
        return [text for value in detail for text in _flatten(value)]
    return [str(detail)]


def validation_body(detail) -> dict:
    """Per-field messages from a DRF ValidationError's detail (or a form's errors)."""
    if not isinstance(detail, dict):
        messages = _flatten(detail)
        return body(400, "invalid", messages[0] if messages else "The request is not valid.")
    fields, general = {}, []
    for name, value in detail.items():
        if name in NON_FIELD:
            general += _flatten(value)
        else:
            fields[name] = _flatten(value)
    if general:
        message = general[0]
    else:
        message = "; ".join(f"{name}: {texts[0]}" for name, texts in fields.items() if texts)
    return body(400, "invalid", message or "The request is not valid.", fields)


def _authenticate_header(context) -> str | None:
    view = context.get("view")
    request = context.get("request")
    if view is None or request is None:
        return None
    return view.get_authenticate_header(request)


def _signed_in(context) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


def handle(exc, context) -> Response | None:
    """DRF's EXCEPTION_HANDLER."""
    set_rollback()
    headers = {}
    if isinstance(exc, PostLimited):
        # The web's own posting limits (forum/limits.py): the same message, and when to retry.
        data = body(429, "post_limited", exc.messages[0])
        if exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        return Response(data, status=429, headers=headers)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(validation_body(detail), status=400)
    if isinstance(exc, Http404):
        return Response(body(404, "not_found", "Not found: there is nothing here you can see."), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        message = str(exc) or "You can't do this."
        if not _signed_in(context):
            # "Log in to vote.": the rule's own sentence, as a 401 saying how to authenticate.
            header = _authenticate_header(context)
            return Response(
                body(401, "not_authenticated", message),
                status=401,
                headers={"WWW-Authenticate": header} if header else {},
            )
        return Response(body(403, "permission_denied", message), status=403)
    if isinstance(exc, exceptions.ValidationError):
        return Response(validation_body(exc.detail), status=400)
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else 1
        headers["Retry-After"] = str(max(wait, 1))
        message = f"Too many requests: try again in {max(wait, 1)} seconds."
        return Response(body(429, "throttled", message), status=429, headers=headers)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        header = _authenticate_header(context)
        if header:
            headers["WWW-Authenticate"] = header
        code = (
            "not_authenticated" if isinstance(exc, exceptions.NotAuthenticated) else "authentication_failed"
        )
        message = str(exc.detail)
        if isinstance(exc, exceptions.NotAuthenticated):
            message = "Log in, or send an API key: Authorization: Bearer cp_<prefix>_<secret>."
        status_code = 401 if header else 403
        return Response(body(status_code, code, message), status=status_code, headers=headers)
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        return Response(body(exc.status_code, code, " ".join(_flatten(exc.detail))), status=exc.status_code)
    logger.exception("API error", exc_info=exc)
    return Response(
        body(500, "server_error", "Something went wrong on our side; it has been logged."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any address under /api/ that names no resource, whatever the method: the JSON 404, never
    the CSRF middleware's HTML 403 to a write carrying a session cookie (it changes nothing)."""
    message = "There is no such API address: see /api/v1/docs/."
    return JsonResponse(body(404, "not_found", message), status=404)
