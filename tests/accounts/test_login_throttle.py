"""Wrong passwords slow down the client that types them, never the member whose account it is:
failed sign-ins are counted per address and per address and login, past which that client gets
429 with Retry-After. The member signs in from their own device at once, or with a code sent to
their email address, however hard someone else hammers their username."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.5"
OWNER = "198.51.100.7"


def client_at(address: str, **headers) -> Client:
    return Client(REMOTE_ADDR=address, **headers)


def sign_in(client: Client, login: str, password: str):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def signed_in_as(client: Client):
    return client.session.get("_auth_user_id")


def test_twenty_wrong_passwords_from_one_client_leave_the_owner_free_to_sign_in():
    owner = UserFactory(username="robin")
    attacker = client_at(ATTACKER)

    statuses = [sign_in(attacker, "robin", f"guess-{n}").status_code for n in range(20)]

    assert statuses[:5] == [200] * 5  # wrong password, said so
    assert set(statuses[5:]) == {429}
    response = sign_in(client_at(OWNER), "robin", TEST_PASSWORD)
    assert response.status_code == 302
    owner_client = client_at(OWNER)
    sign_in(owner_client, "robin@example.com", TEST_PASSWORD)
    assert signed_in_as(owner_client) == str(owner.pk)


def test_the_throttled_client_gets_429_with_retry_after_and_the_form_as_typed():
    UserFactory(username="robin")
    attacker = client_at(ATTACKER)
    for n in range(5):
        sign_in(attacker, "robin", f"guess-{n}")

    response = sign_in(attacker, "robin", TEST_PASSWORD)  # even the right password, from there

    page = response.content.decode()
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 300
    assert "Too many failed sign-ins from your connection" in page
    assert 'value="robin"' in page
    assert reverse("account_request_login_code") in page
    assert signed_in_as(attacker) is None


def test_failures_are_also_counted_per_address_whatever_the_login(settings):
    settings.COMMONPLACE_LOGIN_FAILURES_PER_IP = "3/10min"
    for name in ("ann", "ben", "cat", "dee"):
        UserFactory(username=name)
    sprayer = client_at(ATTACKER)

    statuses = [sign_in(sprayer, name, "Winter2026!").status_code for name in ("ann", "ben", "cat", "dee")]

    assert statuses == [200, 200, 200, 429]
    assert sign_in(client_at(OWNER), "dee", TEST_PASSWORD).status_code == 302


def test_a_right_password_does_not_count_as_a_failure():
    UserFactory(username="robin")
    client = client_at(OWNER)
    for _ in range(7):
        assert sign_in(client, "robin", TEST_PASSWORD).status_code == 302
        client.logout()

    assert sign_in(client, "robin", TEST_PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    UserFactory(username="robin")
    proxy = "10.0.0.2"
    attacker = client_at(proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    for n in range(6):
        sign_in(attacker, "robin", f"guess-{n}")

    assert sign_in(attacker, "robin", TEST_PASSWORD).status_code == 429
    assert sign_in(client_at(proxy, HTTP_X_FORWARDED_FOR=OWNER), "robin", TEST_PASSWORD).status_code == 302


def login_code(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.M)
    assert match, message.body
    return match.group(1)


def test_the_owner_signs_in_with_an_emailed_code_while_their_username_is_hammered(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = UserFactory(username="robin")
    attacker = client_at(ATTACKER)
    for n in range(20):
        sign_in(attacker, "robin", f"guess-{n}")
    device = client_at(ATTACKER)  # even from the same network as the attacker

    page = device.get(reverse("account_login")).content.decode()
    assert "Email me a sign-in code" in page
    response = device.post(reverse("account_request_login_code"), {"email": "robin@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["robin@example.com"]
    response = device.post(reverse("account_confirm_login_code"), {"code": login_code(mail.outbox[0])})

    assert response.status_code == 302
    assert signed_in_as(device) == str(owner.pk)


def test_a_wrong_code_does_not_sign_in(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="robin")
    device = client_at(OWNER)
    device.post(reverse("account_request_login_code"), {"email": "robin@example.com"})
    code = login_code(mail.outbox[0])

    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"

    response = device.post(reverse("account_confirm_login_code"), {"code": wrong})

    assert response.status_code == 200
    assert signed_in_as(device) is None


def test_allauths_own_flood_limit_answers_with_a_page_of_the_site(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    flooder = client_at(ATTACKER)
    for _ in range(2):
        sign_in(flooder, "nobody", "whatever")

    response = sign_in(flooder, "nobody", "whatever")

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()
