app_name = "moderation"
# Every URL here must be wrapped in moderator_required (tests/moderation checks each one),
# except the member-facing flag and appeal forms, listed in MEMBER_URL_NAMES.
MEMBER_URL_NAMES: set[str] = set()
urlpatterns: list = []
