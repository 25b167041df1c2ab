"""The console's branding form: validation only (branding.validators says what a value must be;
branding.images checks the logo by its content)."""

from django import forms
from django.core.exceptions import ValidationError

from branding import colour, validators
from branding.images import ACCEPTED, MAX_BYTES, MAX_SIDE, inspect_logo, kilobytes
from branding.selectors import Brand

FOOTER_ROWS = range(1, validators.FOOTER_LINKS_MAX + 1)


class BrandingForm(forms.Form):
    site_name = forms.CharField(
        label="Site name",
        max_length=200,
        help_text=(
            "In every page title, the header (when there is no logo), and every email's subject and sender."
        ),
    )
    brand_color = forms.CharField(
        label="Brand colour",
        max_length=40,
        help_text=(
            "A hex code such as #0b5cad. Buttons and links use it, with white text on buttons, so it "
            f"needs a contrast of at least {colour.MINIMUM_CONTRAST}:1 with white."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "size": 9}),
    )
    logo = forms.FileField(
        label="New logo",
        required=False,
        help_text=(
            f"{ACCEPTED}; at most {kilobytes(MAX_BYTES)} and {MAX_SIDE} pixels on each side. Shown 40 "
            "pixels high in the header and emails, with the site name as its text alternative."
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
    )
    remove_logo = forms.BooleanField(label="Remove the logo (the header shows the site name)", required=False)
    welcome_banner = forms.CharField(
        label="Banner text",
        required=False,
        max_length=1000,
        help_text=(
            f"Optional, at most {validators.BANNER_MAX} characters. Shown above the question lists to "
            "visitors and to members in their first week, until they dismiss it. Leave empty for none."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    escalation_contact_text = forms.CharField(
        label="Contact text",
        required=False,
        max_length=1000,
        help_text="Shown on threads taken to private follow-up, e.g. “Our care team answers within a day:”.",
    )
    escalation_contact_address = forms.CharField(
        label="Contact address",
        required=False,
        max_length=1000,
        help_text="Optional: a web address (https://…) or an email address, shown as a link after the text.",
    )

    def __init__(self, *args, brand: Brand, **kwargs):
        links = list(brand.footer_links)
        initial = {
            "site_name": brand.site_name,
            "brand_color": brand.brand_color,
            "welcome_banner": brand.welcome_banner,
            "escalation_contact_text": brand.escalation_contact_text,
            "escalation_contact_address": brand.escalation_contact_address,
        }
        for number in FOOTER_ROWS:
            link = links[number - 1] if number <= len(links) else None
            initial[f"footer_label_{number}"] = link.label if link else ""
            initial[f"footer_url_{number}"] = link.url if link else ""
        super().__init__(*args, initial=initial, **kwargs)
        self.brand = brand
        for number in FOOTER_ROWS:
            self.fields[f"footer_label_{number}"] = forms.CharField(
                label=f"Footer link {number}: label", required=False, max_length=200
            )
            self.fields[f"footer_url_{number}"] = forms.CharField(
                label=f"Footer link {number}: address",
                required=False,
                max_length=1000,
                widget=forms.URLInput(attrs={"placeholder": "https://"}),
            )
        self.checked_logo = None

    # --- Fields ---

    def clean_site_name(self) -> str:
        return validators.clean_site_name(self.cleaned_data["site_name"])

    def clean_brand_color(self) -> str:
        return validators.clean_brand_colour(self.cleaned_data["brand_color"])

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > MAX_BYTES:  # refused before reading it all
            raise ValidationError(
                f"The file is {kilobytes(upload.size)}; a logo can be at most {kilobytes(MAX_BYTES)}. "
                "Export it smaller and choose it again."
            )
        self.checked_logo = inspect_logo(upload.read())
        return self.checked_logo

    def clean_welcome_banner(self) -> str:
        return validators.clean_banner(self.cleaned_data["welcome_banner"])

    def clean_escalation_contact_text(self) -> str:
        return validators.clean_contact_text(self.cleaned_data["escalation_contact_text"])

    def clean_escalation_contact_address(self) -> str:
        return validators.clean_contact_address(self.cleaned_data["escalation_contact_address"])

    def clean(self):
        cleaned = super().clean()
        links = []
        for number in FOOTER_ROWS:
            label = cleaned.get(f"footer_label_{number}", "")
            url = cleaned.get(f"footer_url_{number}", "")
            if not label.strip() and not url.strip():
                continue  # an empty row
            try:
                links.append(validators.clean_footer_link(number, label, url))
            except ValidationError as error:
                for part, errors in error.error_dict.items():
                    self.add_error(f"footer_{part}_{number}", errors)
        cleaned["footer_links"] = links
        if cleaned.get("logo") and cleaned.get("remove_logo"):
            self.add_error("remove_logo", "Choose a new logo or remove the logo, not both.")
        return cleaned

    # --- For the page and the service ---

    def footer_rows(self):
        """(number, label field, address field) for each of the rows the footer can hold."""
        return [
            (number, self[f"footer_label_{number}"], self[f"footer_url_{number}"]) for number in FOOTER_ROWS
        ]

    def logo_was_lost(self) -> bool:
        """A chosen file that passed its own checks, sent back with other errors: a browser cannot
        show it again, so the page asks for it again."""
        return bool(self.is_bound and self.errors and self.checked_logo and "logo" not in self.errors)

    def preview(self) -> dict:
        """The colour as typed (if it reads as one; else the saved one), with its contrast against
        white: what the sample beside the field shows."""
        typed = colour.normalise(self.data.get("brand_color", "")) if self.is_bound else None
        hex_value = typed or self.brand.brand_color
        ratio = colour.contrast(hex_value, colour.WHITE)
        return {
            "colour": hex_value,
            "digits": hex_value.removeprefix("#"),
            "ratio": colour.shown_ratio(ratio),
            "passes": ratio >= colour.MINIMUM_CONTRAST,
            "minimum": colour.MINIMUM_CONTRAST,
        }

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "site_name": data["site_name"],
            "brand_color": data["brand_color"],
            "footer_links": data["footer_links"],
            "welcome_banner": data["welcome_banner"],
            "escalation_contact_text": data["escalation_contact_text"],
            "escalation_contact_address": data["escalation_contact_address"],
            "logo": data.get("logo"),
            "remove_logo": data.get("remove_logo", False),
        }
