from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import DisallowedHost
from django.template.loader import render_to_string

from branding.email import email_context, from_email, subject_prefix
from branding.selectors import current as current_brand


@dataclass(frozen=True)
class BrandedSite:
    """Stands in for allauth's `current_site` in its emails: the site's host, under the name the
    branding gives the site (not Site.name and Site.domain, which nobody edits)."""

    name: str
    domain: str

    def __str__(self) -> str:
        return self.domain


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "COMMONPLACE_SIGNUP_OPEN", True)

    # --- Account emails (confirmation, password reset, ...) carry the site's branding ---------

    def format_email_subject(self, subject: str) -> str:
        return subject_prefix() + subject

    def get_from_email(self) -> str:
        return from_email()

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        brand = current_brand()
        branded = {
            **email_context(brand),
            "current_site": BrandedSite(name=brand.site_name, domain=self.site_domain()),
        }
        super().send_mail(template_prefix, email, {**context, **branded})

    def site_domain(self) -> str:
        """The host the person used (the links in the email are built on it too), else the
        sites framework's domain."""
        try:
            return self.request.get_host()
        except (AttributeError, DisallowedHost):  # no request (a command), or a host not served
            return get_current_site(self.request).domain

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth writes these emails as text; a branded HTML part (the logo or name on the brand
        colour, the footer links) goes with it, made from the same text."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if hasattr(message, "attach_alternative") and not message.alternatives and "brand" in context:
            # The text again without its footer links: the HTML layout shows them as links.
            text = render_to_string(
                f"{template_prefix}_message.txt", {**context, "footer_links": ()}, self.request
            )
            html = render_to_string(
                "branding/email/wrapped_text.html",
                {**context, "subject": message.subject, "text": text.strip()},
            )
            message.attach_alternative(html, "text/html")
        return message
