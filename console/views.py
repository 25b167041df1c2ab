"""The console's pages: parse, authorise, call one service (moderation.members), respond."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import permissions as account_rules
from accounts.models import ROLE_GROUPS, ApiKey, Restriction, User
from accounts.selectors import integration_accounts, mark_moderators
from accounts.services import integration_account_create
from accounts.views import api_key_revoke_response, api_keys_response
from console import selectors
from console.forms import IntegrationAccountForm, MemberSearchForm, RemoveSpammerForm, RestrictForm, RoleForm
from console.permissions import allow_manage_integrations, allow_manage_roles, allow_open_console
from moderation import members
from privacy.export_forms import MemberExportForm
from privacy.export_permissions import can_export_member_data
from privacy.export_selectors import exports_of_member_for

KINDS = {"suspend": Restriction.Kind.SUSPEND, "silence": Restriction.Kind.SILENCE}
DONE = {"suspend": "suspended", "silence": "silenced"}


def console_page(view):
    """Log in first; then moderators and community managers only. The viewer's roles are
    settled in one query for the whole page (the rules and the nav ask them)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        mark_moderators([request.user])
        allow_open_console(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _render(request, template: str, section: str, status: int = 200, **context):
    # The nav's "Roles" and "Integrations" are community managers' pages.
    context.update(section=section, can_manage_roles=request.user.is_community_manager)
    return render(request, template, context, status=status)


@console_page
@require_GET
def home(request):
    return _render(request, "console/home.html", "home")


# --- Members -------------------------------------------------------------------------------------


@console_page
@require_GET
def member_list(request):
    form = MemberSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = selectors.members_page(query=query, viewer=request.user, page_number=request.GET.get("page"))
    return _render(request, "console/members.html", "members", form=form, query=query, page=page)


def _member(username: str) -> User:
    return get_object_or_404(User, username=username, is_active=True)


def _member_to_restrict(username: str, kind: str) -> User:
    if kind not in KINDS:
        raise Http404("Members are suspended or silenced.")
    return _member(username)


def _member_page(request, member: User, *, status: int = 200, **forms):
    """The member page; `forms` replaces a blank form with the bound one that failed."""
    viewer = request.user
    context = {
        "file": selectors.member_file(member),
        "suspend_form": forms.get("suspend_form") or RestrictForm(prefix="suspend"),
        "silence_form": forms.get("silence_form") or RestrictForm(prefix="silence"),
        "restrict_refusal": account_rules.refusal(account_rules.allow_restrict, viewer, member),
        "can_remove_spammer": account_rules.can_remove_spammer(viewer, member),
        "can_erase_account": viewer.pk != member.pk and account_rules.can_erase_account(viewer, member),
    }
    context["can_restrict"] = not context["restrict_refusal"]
    context.update(export_context(viewer, member, forms.get("export_form")))
    return _render(request, "console/member.html", "members", status=status, member=member, **context)


def export_context(viewer, member: User, form: MemberExportForm | None) -> dict:
    """The member page's "Copy of their data" section: community managers only, with the
    copies of this member's data the viewer asked for (the only ones they may open)."""
    if not can_export_member_data(viewer, member):
        return {"can_export_data": False}
    return {
        "can_export_data": True,
        "export_form": form or MemberExportForm(prefix="export"),
        "exports": list(exports_of_member_for(member, viewer)[:5]),
    }


@console_page
@require_GET
def member_detail(request, username: str):
    return _member_page(request, _member(username))


@console_page
@require_POST
def member_restrict(request, username: str, kind: str):
    member = _member_to_restrict(username, kind)
    account_rules.allow_restrict(request.user, member)  # 403 with the reason, whatever was typed
    form = RestrictForm(request.POST, prefix=kind)
    if form.is_valid():
        data = form.cleaned_data
        try:
            members.member_restrict(
                member=member,
                kind=KINDS[kind],
                ends_at=data["ends_at"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{member.name} is {DONE[kind]}, and has been told why.")
            return redirect("console:member", username=member.username)
    return _member_page(request, member, status=400, **{f"{kind}_form": form})


@console_page
@require_POST
def member_lift(request, username: str, kind: str):
    member = _member_to_restrict(username, kind)
    if members.member_lift(member=member, kind=KINDS[kind], actor=request.user):
        messages.success(request, f"{member.name} is no longer {DONE[kind]}, and has been told.")
    else:
        messages.info(request, f"{member.name} was not {DONE[kind]}: nothing to lift.")
    return redirect("console:member", username=member.username)


@console_page
@require_http_methods(["GET", "POST"])
def member_remove_spammer(request, username: str):
    member = _member(username)
    account_rules.allow_remove_spammer(request.user, member)
    form = RemoveSpammerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            removed = members.member_remove_spammer(
                member=member, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{member.name} is suspended indefinitely; {len(removed.posts)} posts deleted and "
                f"{removed.reputation} reputation from them reversed on the ledger.",
            )
            return redirect("console:member", username=member.username)
    found = members.spammer_posts(member)
    status = 400 if form.is_bound else 200
    return _render(
        request,
        "console/remove_spammer.html",
        "members",
        status=status,
        member=member,
        found=found,
        form=form,
    )


# --- Roles ---------------------------------------------------------------------------------------


@console_page
@require_GET
def roles(request):
    allow_manage_roles(request.user)
    form = MemberSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = selectors.members_page(query=query, viewer=request.user) if query else None
    context = {"holders": selectors.role_holders(), "form": form, "query": query, "page": page}
    return _render(request, "console/roles.html", "roles", **context)


@console_page
@require_POST
def member_role(request, username: str):
    member = _member(username)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose a role to give or take away.")
    role, grant = form.cleaned_data["role"], form.cleaned_data["grant"]
    name = ROLE_GROUPS[role]
    if members.member_role_set(member=member, group=role, grant=grant, actor=request.user):
        done = f"{member.name} is a {name} now" if grant else f"{member.name} is no longer a {name}"
        messages.success(request, f"{done}, and has been told.")
    else:
        messages.info(request, f"{member.name} {'already is' if grant else 'is not'} a {name}.")
    back = form.cleaned_data["next"]
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(reverse("console:member", kwargs={"username": member.username}))


# --- Integration accounts and their API keys -----------------------------------------------------


def _integration(username: str) -> User:
    return get_object_or_404(User, username=username, is_bot=True, is_active=True)


@console_page
@require_http_methods(["GET", "POST"])
def integrations(request):
    allow_manage_integrations(request.user)
    form = IntegrationAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = integration_account_create(
            username=form.cleaned_data["username"],
            display_name=form.cleaned_data["display_name"],
            actor=request.user,
        )
        messages.success(
            request, f"The integration account {account.name} is ready: create a key for it below."
        )
        return redirect("console:integration", username=account.username)
    return _render(
        request,
        "console/integrations.html",
        "integrations",
        status=400 if form.is_bound else 200,
        accounts=integration_accounts(),
        form=form,
    )


@console_page
@require_http_methods(["GET", "POST"])
def integration(request, username: str):
    allow_manage_integrations(request.user)
    return api_keys_response(
        request,
        _integration(username),
        template="console/integration.html",
        revoke_url=lambda key: reverse("console:integration_key_revoke", args=[username, key.pk]),
        section="integrations",
        can_manage_roles=request.user.is_community_manager,
    )


@console_page
@require_POST
def integration_key_revoke(request, username: str, pk: int):
    allow_manage_integrations(request.user)
    key = get_object_or_404(ApiKey.objects.select_related("owner"), pk=pk, owner=_integration(username))
    return api_key_revoke_response(request, key, reverse("console:integration", args=[username]))
