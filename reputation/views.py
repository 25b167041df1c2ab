"""Public pages about reputation: the rules, privileges, badges, a member's ledger and the
leaderboard. Thin: the numbers come from reputation.selectors, which read them from the code
(rules, thresholds, badges) and the ledger."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.selectors import member_get
from reputation import rules, selectors


@require_GET
def rules_page(request):
    return render(
        request,
        "reputation/rules.html",
        {
            "rules": selectors.rule_table(),
            "version": rules.RULES_VERSION,
            "daily_cap": rules.DAILY_VOTE_CAP,
            "floor": rules.REPUTATION_FLOOR,
        },
    )


@require_GET
def privileges_page(request):
    overview = selectors.privileges_overview(request.user)
    return render(request, "reputation/privileges.html", {"overview": overview})


@require_GET
def badges_page(request):
    return render(request, "reputation/badges.html", {"badges": selectors.badge_table()})


@require_GET
def user_ledger(request, username: str):
    member = member_get(username)
    entry_id = request.GET.get("entry")
    page = selectors.ledger_page(
        member,
        request.GET.get("page"),
        entry_id=int(entry_id) if entry_id and entry_id.isdigit() else None,
    )
    return render(request, "reputation/ledger.html", {"member": member, "page": page})


@require_GET
def leaderboard(request):
    period = request.GET.get("period", selectors.DEFAULT_PERIOD)
    if period not in selectors.PERIODS:
        period = selectors.DEFAULT_PERIOD
    return render(
        request,
        "reputation/leaderboard.html",
        {
            "rows": selectors.leaderboard(period),
            "period": period,
            "period_description": selectors.PERIODS[period][1],
            "periods": selectors.PERIODS,
        },
    )
