from django import template

from accounts.permissions import can_sign_up

register = template.Library()


@register.simple_tag
def sign_up_open() -> bool:
    """Whether the sign-up form takes new members (COMMONPLACE_SIGNUP_OPEN): links to it are
    shown only then."""
    return can_sign_up()
