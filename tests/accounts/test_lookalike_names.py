"""Names that look like something they are not are normalised, or refused with a sentence saying
why: nothing visible, a text-direction override, a role ("Morgan (moderator)"), or the look of
another member's name (a Cyrillic a for a Latin one, "rn" for "m"). At sign-up, on the profile, for
integration accounts in the console; a provider's sign-up gets a safe name instead."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import names
from accounts.lookalikes import role_claimed, skeleton, visible_text
from accounts.models import User
from tests.factories import TEST_PASSWORD, CommunityManagerFactory, UserFactory

pytestmark = pytest.mark.django_db

CYRILLIC_A = "\u0430"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"


def fullwidth(text: str) -> str:
    """The fullwidth forms of ASCII letters (U+FF21...), which NFKC turns back into them."""
    return "".join(chr(ord(char) + 0xFEE0) if char.isalpha() else char for char in text)


def sign_up(client, username: str, email: str = "newcomer@example.com"):
    return client.post(
        reverse("account_signup"),
        {"username": username, "email": email, "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
    )


def edit_profile(client, member, display_name: str):
    client.force_login(member)
    return client.post(
        reverse("accounts:profile_edit", args=[member.username]),
        {"display_name": display_name, "bio": "kept bio"},
    )


# --- What looks alike ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("alice", f"{CYRILLIC_A}lice"),
        ("alice", fullwidth("ALICE")),  # and case
        ("Alice", "AIice"),  # capital I for small l
        ("alice", "a1ice"),
        ("morgan", "rnorgan"),
        ("morgan", "m\u200borgan"),  # a zero-width space inside
        ("Morgan", "\u041corgan"),  # Cyrillic capital em
    ],
)
def test_look_alikes_share_a_skeleton(one, other):
    assert one != other
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(("one", "other"), [("alice", "alicia"), ("morgan", "morgen"), ("sam", "pam")])
def test_different_names_have_different_skeletons(one, other):
    assert skeleton(one) != skeleton(other)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Morgan (moderator)", "moderator"),
        ("M0DERATOR", "moderator"),
        ("Sam | Staff", "staff"),
        ("s t a f f", "staff"),
        ("\u0405taff", "staff"),  # a Cyrillic capital dze
        ("site_admin", "admin"),
        ("Casey, Community Manager", "community manager"),
        ("Helper bot", "bot"),
    ],
)
def test_names_claiming_a_role_are_recognised(name, role):
    assert role_claimed(name) == role


@pytest.mark.parametrize(
    "name", ["Staffordshire Bob", "Badminton fan", "Modesto", "Robot Rob", "Ada Lovelace"]
)
def test_words_that_merely_contain_a_role_are_fine(name):
    assert role_claimed(name) is None


def test_visible_text_is_nfkc_without_invisible_characters_and_single_spaced():
    assert visible_text(f"  {fullwidth('Jo')}{ZERO_WIDTH}\t\n  Smith\u00a0 ") == "Jo Smith"


def test_the_skeleton_is_kept_on_the_member_on_every_save():
    member = UserFactory(username="robin", display_name="")
    assert member.username_skeleton == skeleton("robin")
    assert member.display_name_skeleton == ""

    member.display_name = "Robin Hood"
    member.save(update_fields=["display_name"])

    member.refresh_from_db()
    assert member.display_name_skeleton == skeleton("Robin Hood")


# --- Sign-up ---------------------------------------------------------------------------------


def test_sign_up_refuses_a_username_differing_by_a_homoglyph(client):
    UserFactory(username="alice")

    response = sign_up(client, f"{CYRILLIC_A}lice")

    page = response.content.decode()
    assert response.status_code == 200
    assert "looks the same as another member&#x27;s" in page
    assert "@alice" in page
    assert not User.objects.filter(email="newcomer@example.com").exists()


def test_sign_up_refuses_a_username_looking_like_another_members_display_name(client):
    UserFactory(username="mgreen", display_name="Morgan")

    response = sign_up(client, "rnorgan")

    assert "looks the same as another member&#x27;s, Morgan (@mgreen)" in response.content.decode()


@pytest.mark.parametrize("username", ["admin", "moderator_jo", "the-staff", "m0d"])
def test_sign_up_refuses_a_username_claiming_a_role(client, username):
    response = sign_up(client, username)

    assert "Usernames can&#x27;t claim a role" in response.content.decode()
    assert not User.objects.filter(email="newcomer@example.com").exists()


def test_sign_up_with_a_fine_username_works(client):
    response = sign_up(client, "newcomer")

    assert response.status_code == 302
    assert User.objects.get(username="newcomer").username_skeleton == skeleton("newcomer")


# --- The profile -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("display_name", "message"),
    [
        (ZERO_WIDTH * 3, "This name has no visible characters"),
        ("\u3164\u3164", "This name has no visible characters"),  # Hangul fillers
        (f"{RIGHT_TO_LEFT_OVERRIDE}nagroM", "change the direction of text"),
        ("Robin\u2067 x", "change the direction of text"),  # right-to-left isolate
        ("Morgan (moderator)", "Names can&#x27;t claim a role (“moderator”)"),
        ("Robin, staff", "Names can&#x27;t claim a role (“staff”)"),
        ("Community manager", "Names can&#x27;t claim a role (“community manager”)"),
        ("admin", "Names can&#x27;t claim a role (“admin”)"),
    ],
)
def test_a_display_name_is_refused_with_a_sentence_and_the_form_kept(client, display_name, message):
    member = UserFactory(username="robin", display_name="Robin")

    response = edit_profile(client, member, display_name)

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "kept bio" in page
    member.refresh_from_db()
    assert member.display_name == "Robin"


def test_a_display_name_looking_like_another_members_is_refused(client):
    UserFactory(username="morgan", display_name="Morgan Lee")
    member = UserFactory(username="robin")

    refused = edit_profile(client, member, "M\u043ergan Lee")  # a Cyrillic small o
    also_refused = edit_profile(client, member, "MORGAN")

    assert "looks the same as another member&#x27;s, Morgan Lee (@morgan)" in refused.content.decode()
    assert "(@morgan)" in also_refused.content.decode()


def test_a_display_name_may_be_ones_own_username_and_is_saved_normalised(client):
    member = UserFactory(username="robin", display_name="")

    assert edit_profile(client, member, "ROBIN").status_code == 302
    assert edit_profile(client, member, f"  {fullwidth('Robin')}{ZERO_WIDTH}   Hood ").status_code == 302

    member.refresh_from_db()
    assert member.display_name == "Robin Hood"


def test_a_blank_display_name_shows_the_username(client):
    member = UserFactory(username="robin", display_name="Robin")

    assert edit_profile(client, member, "   ").status_code == 302

    member.refresh_from_db()
    assert member.display_name == ""
    assert member.name == "robin"


# --- Integration accounts (console) ----------------------------------------------------------


def test_an_integration_account_may_be_called_a_bot_but_not_a_moderator(client):
    client.force_login(CommunityManagerFactory())

    refused = client.post("/manage/integrations/", {"username": "mod-bot", "display_name": "Moderator"})
    created = client.post(
        "/manage/integrations/", {"username": "helpdesk-bot", "display_name": "Helpdesk bot"}
    )

    assert refused.status_code == 400
    assert "Usernames can&#x27;t claim a role (“mod”)" in refused.content.decode()
    assert "Names can&#x27;t claim a role (“moderator”)" in refused.content.decode()
    assert created.status_code == 302
    assert User.objects.get(username="helpdesk-bot").display_name == "Helpdesk bot"


def test_an_integration_account_cannot_look_like_a_member(client):
    UserFactory(username="alice", display_name="Alice")
    client.force_login(CommunityManagerFactory())

    response = client.post("/manage/integrations/", {"username": "a1ice", "display_name": "AIice"})

    assert response.status_code == 400
    assert response.content.decode().count("(@alice)") == 2
    assert not User.objects.filter(is_bot=True).exists()


# --- Names a provider gives ------------------------------------------------------------------


def test_a_providers_look_alike_username_gets_a_variant_that_looks_like_nobody():
    UserFactory(username="morgan")

    username = names.unused_username("rnorgan")

    assert username.startswith("rnorgan") and username != "rnorgan"
    assert skeleton(username) != skeleton("morgan")


def test_a_providers_display_name_that_would_be_refused_is_left_out():
    UserFactory(username="morgan", display_name="Morgan Lee")

    assert names.safe_display_name("Morgan (moderator)") == ""
    assert names.safe_display_name("Morgan Lee") == ""
    assert names.safe_display_name(ZERO_WIDTH) == ""
    assert names.safe_display_name("Ada  Lovelace") == "Ada Lovelace"


def test_check_username_says_why():
    UserFactory(username="alice")

    with pytest.raises(ValidationError, match="taken"):
        names.check_username("ALICE")
    with pytest.raises(ValidationError, match="looks the same"):
        names.check_username(f"{CYRILLIC_A}lice")
    assert names.check_username("alicia") == "alicia"
