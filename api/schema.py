"""The OpenAPI 3 schema (drf-spectacular): the API-key security scheme, and the error responses
every operation may give, in the one shape of api/errors.py."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="permission_denied, not_found, invalid, throttled, ...")
    message = serializers.CharField(help_text="The sentence the web shows for the same refusal.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Validation messages per field, as the web forms word them.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


ERRORS = {
    "400": _error("The request is not valid: `fields` says what to change."),
    "401": _error("No valid credentials: log in, or send `Authorization: Bearer cp_<prefix>_<secret>`."),
    "403": _error("Refused by a rule or by the key's scopes; `message` says why, as the web does."),
    "404": _error("Nothing here the caller may see (deleted, held, or never there)."),
    "429": _error("Too many requests, or a posting limit; wait `Retry-After` seconds."),
}


class ApiAutoSchema(AutoSchema):
    """Every operation documents the errors it can answer, on top of its own responses."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["401", "403", "404", "429"]
        if self.method not in SAFE_METHODS or self._has_query_parameters():
            codes.insert(0, "400")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[code], code, direction=direction)
        return responses

    def _has_query_parameters(self) -> bool:
        return bool(getattr(self.view, "query_serializer", None)) or bool(
            getattr(self.view, "pagination_class", None) and self._is_list_view()
        )


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "cp_<prefix>_<secret>",
            "description": "An API key from /accounts/api-keys/ (or, for an integration account, the "
            "console), with the scopes the call needs: read, write, moderate or manage.",
        }
