"""Serializers every resource shares: a person as posts show them, and input validated by the
web's own Django forms (so a field's message is word for word the web's)."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field({"type": "string", "format": "uri"})
class WebUrlField(serializers.Field):
    """The object's page on the site (`get_absolute_url`), as an absolute URL."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault("help_text", "The web page.")
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return absolute(self.context.get("request"), value.get_absolute_url())


FLAIRS = ("staff", "bot", "moderator")


class AuthorSerializer(serializers.Serializer):
    """A person as a post shows them: flairs are information, never privilege (staff: works for
    the company; bot: an integration account; moderator: the Moderators or Community managers
    group)."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    reputation = serializers.IntegerField()
    flairs = serializers.SerializerMethodField()
    url = WebUrlField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=FLAIRS)))
    def get_flairs(self, user) -> list[str]:
        shown = {"staff": user.is_staff, "bot": user.is_bot, "moderator": user.is_moderator}
        return [flair for flair in FLAIRS if shown[flair]]


class FormSerializer(serializers.Serializer):
    """Input checked by a Django form of the web (`form_class`): the declared fields document the
    request body; the form decides what is valid, with its messages. JSON lists (tags) are
    joined by spaces, as the web's one text box takes them."""

    form_class = None

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        form = self.form_class(data=self.form_data(data), **self.context.get("form_kwargs", {}))
        if not form.is_valid():
            raise serializers.ValidationError(_messages(form.errors))
        return form.cleaned_data

    def form_data(self, data: Mapping) -> dict:
        values = {}
        for name in self.form_class.base_fields:
            value = data.get(name)
            if isinstance(value, list | tuple):
                value = " ".join(str(item) for item in value)
            values[name] = "" if value is None else value
        return values


def _messages(errors) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): list(texts) for name, texts in errors.items()
    }
