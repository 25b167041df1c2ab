"""The console's webhook pages (/manage/webhooks/): parse, authorise, call one service
(integrations.services), respond. Community managers only."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.views import console_page
from console.webhook_forms import EndpointForm, RotateForm
from integrations import selectors, services
from integrations.permissions import allow_manage_webhooks


def webhooks_page(view):
    """A console page (logged in, moderators' door) that only community managers pass."""

    @console_page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        allow_manage_webhooks(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _render(request, template: str, status: int = 200, **context):
    context.update(section="webhooks", can_manage_roles=request.user.is_community_manager)
    return render(request, template, context, status=status)


def _saved(form: EndpointForm, call):
    """Run the service with the form's values; its refusals land on the form's fields."""
    if not form.is_valid():
        return None
    try:
        return call(**form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return None


@webhooks_page
@require_GET
def endpoint_list(request):
    return _render(request, "console/webhooks/list.html", endpoints=list(selectors.endpoints()))


@webhooks_page
@require_http_methods(["GET", "POST"])
def endpoint_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST":
        endpoint = _saved(form, lambda **values: services.endpoint_create(actor=request.user, **values))
        if endpoint is not None:
            messages.success(
                request, "The endpoint is registered. Reveal its secret below and give it to the receiver."
            )
            return redirect("console:webhook", pk=endpoint.pk)
    return _render(request, "console/webhooks/form.html", status=400 if form.errors else 200, form=form)


def _endpoint_page(request, endpoint, *, secret: str = "", status: int = 200):
    page = selectors.delivery_log(endpoint, request.GET.get("page"))
    return _render(
        request,
        "console/webhooks/endpoint.html",
        status=status,
        endpoint=endpoint,
        page=page,
        secret=secret,
        rotate_form=RotateForm(),
    )


@webhooks_page
@require_GET
def endpoint_detail(request, pk: int):
    return _endpoint_page(request, selectors.endpoint(pk))


@never_cache
@webhooks_page
@require_POST
def endpoint_secret(request, pk: int):
    """The secret, shown on the endpoint's page in answer to a POST: never in an address, a
    GET a cache could keep, or the page as first served."""
    endpoint = selectors.endpoint(pk)
    return _endpoint_page(
        request, endpoint, secret=services.endpoint_secret(actor=request.user, endpoint=endpoint)
    )


@webhooks_page
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, pk: int):
    endpoint = selectors.endpoint(pk)
    form = EndpointForm.for_endpoint(endpoint, request.POST or None)
    if request.method == "POST":
        saved = _saved(
            form, lambda **values: services.endpoint_update(actor=request.user, endpoint=endpoint, **values)
        )
        if saved is not None:
            _, changed = saved
            if changed:
                messages.success(request, "The endpoint is saved.")
            else:
                messages.info(request, "Nothing had changed, so nothing was saved.")
            return redirect("console:webhook", pk=endpoint.pk)
    status = 400 if form.errors else 200
    return _render(request, "console/webhooks/form.html", status=status, form=form, endpoint=endpoint)


@webhooks_page
@require_POST
def endpoint_rotate(request, pk: int):
    endpoint = selectors.endpoint(pk)
    form = RotateForm(request.POST)
    keep = form.is_valid() and form.cleaned_data["keep_previous"]
    services.endpoint_rotate_secret(actor=request.user, endpoint=endpoint, keep_previous=keep)
    grace = " The old one signs too for 24 hours." if keep else " The old one no longer signs anything."
    messages.success(request, f"The endpoint has a new secret: reveal it below.{grace}")
    return redirect("console:webhook", pk=endpoint.pk)


# (service, what is said when it acted, when it had nothing to do), by whether it enables.
SWITCHES = {
    False: (
        services.endpoint_disable,
        "The endpoint is disabled: nothing is sent to it, and waiting deliveries are paused.",
        "The endpoint was already disabled.",
    ),
    True: (
        services.endpoint_enable,
        "The endpoint is enabled: paused deliveries resume within a minute.",
        "The endpoint was already enabled.",
    ),
}


@webhooks_page
@require_POST
def endpoint_switch(request, pk: int, active: bool):
    """Disable or enable (`active`, from the URL pattern)."""
    endpoint = selectors.endpoint(pk)
    service, done, already = SWITCHES[active]
    if service(actor=request.user, endpoint=endpoint):
        messages.success(request, done)
    else:
        messages.info(request, already)
    return redirect("console:webhook", pk=endpoint.pk)


@webhooks_page
@require_POST
def endpoint_ping(request, pk: int):
    endpoint = selectors.endpoint(pk)
    try:
        delivery = services.endpoint_ping(actor=request.user, endpoint=endpoint)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("console:webhook", pk=endpoint.pk)
    messages.success(request, "A test ping is on its way; its delivery is below.")
    return redirect("console:webhook_delivery", pk=endpoint.pk, delivery_pk=delivery.pk)


@webhooks_page
@require_http_methods(["GET", "POST"])
def endpoint_delete(request, pk: int):
    endpoint = selectors.endpoint(pk)
    if request.method == "POST":
        services.endpoint_delete(actor=request.user, endpoint=endpoint)
        messages.success(request, f"The endpoint {endpoint.url} is deleted, with its delivery log.")
        return redirect("console:webhooks")
    return _render(request, "console/webhooks/delete.html", endpoint=endpoint)


@webhooks_page
@require_GET
def delivery_detail(request, pk: int, delivery_pk: int):
    endpoint = selectors.endpoint(pk)
    delivery = selectors.delivery(endpoint, delivery_pk)
    return _render(
        request,
        "console/webhooks/delivery.html",
        endpoint=endpoint,
        delivery=delivery,
        attempts=selectors.attempts(delivery),
        redeliveries=selectors.redeliveries(delivery),
        body=selectors.pretty_body(delivery),
    )


@webhooks_page
@require_POST
def delivery_redeliver(request, pk: int, delivery_pk: int):
    endpoint = selectors.endpoint(pk)
    delivery = selectors.delivery(endpoint, delivery_pk)
    try:
        redelivery = services.delivery_redeliver(actor=request.user, delivery=delivery)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("console:webhook_delivery", pk=endpoint.pk, delivery_pk=delivery.pk)
    messages.success(request, "The event is on its way again, with the same event id.")
    return redirect("console:webhook_delivery", pk=endpoint.pk, delivery_pk=redelivery.pk)
