"""Demo content for `manage.py seed_demo`: a month or two of a real-looking support community.

The questions are about *Tillwise*, a fictional invoicing and ordering service for small
businesses. Customers ask; other customers and the company's staff (``sam``) answer as equals,
so the accepted answer is often a customer's. Some questions stay unanswered (or have only
unhelpful answers) so the "unanswered" queue has something in it.

Idempotent: every post gets a submission token derived from a stable key (``uuid5``), so the
services' token de-duplication hands back the existing post on a second run; votes are cast with
the same value (a no-op); an answer is accepted only when it is not the accepted one already
(``answer_accept_toggle`` would otherwise take the acceptance away); and timestamps are laid out
from an anchor recovered from the first demo question, so a second run writes the same values.

Votes and acceptances happen on the timeline too: a vote a few hours after its post, an
acceptance just after the asker's thanks. ``seed_content`` returns when each acceptance
happened; the seed_demo command (in kb, above the ledger) dates their reputation events, and so
the ledger lines, at those moments, so the leaderboard's week, month and all time differ.
"""

import textwrap
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q as Where
from django.utils import timezone

from forum import services
from forum.limits import limits_disabled
from forum.models import (
    BODY_MAX,
    BODY_MIN,
    COMMENT_MAX,
    COMMENT_MIN,
    TITLE_MAX,
    TITLE_MIN,
    Answer,
    Comment,
    Question,
    Revision,
    Vote,
)
from forum.tags import validate_tags

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://commonplace.example/demo-content")

MAX_TAGS_PER_QUESTION = 3
# An asker accepts this long after the answer, or after their own last comment on it (a thanks).
ACCEPT_AFTER_HOURS = 0.5


def token(key: str) -> uuid.UUID:
    """The submission token of the demo post with this key: the same on every run."""
    return uuid.uuid5(NAMESPACE, key)


def _md(text: str) -> str:
    return textwrap.dedent(text).strip()


@dataclass(frozen=True)
class DemoComment:
    author: str
    body: str
    after: float  # hours after the post it is on


@dataclass(frozen=True)
class DemoAnswer:
    author: str
    body: str
    after: float  # hours after the question
    votes: tuple[str, ...] = ()  # voter usernames; a leading "-" means a down vote
    comments: tuple[DemoComment, ...] = ()
    accepted: bool = False


@dataclass(frozen=True)
class DemoQuestion:
    key: str
    author: str
    days_ago: float
    tags: tuple[str, ...]
    title: str
    body: str
    votes: tuple[str, ...] = ()
    comments: tuple[DemoComment, ...] = ()
    answers: tuple[DemoAnswer, ...] = ()


C, A, Q = DemoComment, DemoAnswer, DemoQuestion

QUESTIONS: tuple[DemoQuestion, ...] = (
    Q(
        key="card-declined-on-renewal",
        author="alice",
        days_ago=58.3,
        tags=("billing",),
        title="My card keeps getting declined when the plan renews",
        body=_md("""
            My Pro plan renewed this morning and the payment failed, even though the same card
            works everywhere else (I paid for flour with it an hour ago). The billing page says:

            ```
            Payment failed: card_declined (do_not_honor)
            ```

            I've tried re-entering the card twice. Is this something on your side or my bank's?
            I really don't want the shop to lose access on a Saturday.
        """),
        votes=("bob", "carol", "dan"),
        comments=(C("dan", "Same thing happened to me last month, following this.", 2),),
        answers=(
            A(
                "carol",
                _md("""
                    `do_not_honor` is your bank saying no, not Tillwise. Most banks flag the
                    *first* recurring charge from a merchant abroad (Tillwise bills from Ireland).

                    What fixed it for me and two of my clients:

                    1. Call the number on the back of the card and say you expect a recurring
                       charge from Tillwise.
                    2. Ask them to mark it as trusted.
                    3. Press **Retry payment** on the billing page. No need to re-enter the card.
                """),
                3,
                votes=("alice", "dan", "sam", "erin"),
                comments=(C("alice", "Called the bank, retried, and it went through. Thank you!", 3),),
                accepted=True,
            ),
            A(
                "sam",
                _md("""
                    Adding to Carol's answer from our side: when a renewal fails we retry
                    automatically three times over five days, and your account stays fully
                    active during that time, so nothing stops working on a Saturday.

                    You can see each attempt under **Settings → Billing → Payment history**.
                """),
                5,
                votes=("alice", "carol"),
            ),
        ),
    ),
    Q(
        key="vat-number-on-invoices",
        author="carol",
        days_ago=55.8,
        tags=("invoices", "account-settings"),
        title="How do I show our VAT number on every invoice?",
        body=_md("""
            One of my clients is VAT registered and their invoices have to show the VAT number.
            At the moment I'm typing it into the notes field of every single invoice, which is
            exactly the kind of thing I'll forget at month end.

            Is there a setting for this? I couldn't find one under Invoices.
        """),
        votes=("alice", "erin"),
        answers=(
            A(
                "sam",
                _md("""
                    It lives with your business details rather than with invoices:

                    - **Settings → Business details → Tax ID**
                    - enter the number and tick **Show on invoices and quotes**

                    It then appears under your address on every new invoice and on re-sent old
                    ones. Invoices that were already paid keep what they were issued with.
                """),
                4,
                votes=("carol", "alice", "morgan"),
                accepted=True,
            ),
            A(
                "alice",
                _md("""
                    Before I found the setting I put it in the invoice footer
                    (**Invoices → Templates → Footer**). Works too, but Sam's way is tidier.
                """),
                9,
                votes=("carol",),
            ),
        ),
    ),
    Q(
        key="lost-phone-two-factor",
        author="dan",
        days_ago=54.1,
        tags=("login",),
        title="Lost my phone and two-factor is on: how do I get back in?",
        body=_md("""
            My phone got stolen yesterday. I had two-factor set up with an authenticator app,
            so now the login page just asks for a code I can't get:

            ```
            Enter the 6-digit code from your authenticator app
            ```

            I have my password. I'm on the basic plan, so there's no admin who can reset it for
            me. What are my options?
        """),
        votes=("bob", "erin", "alice"),
        comments=(C("bob", "Do you still have the recovery codes from when you set it up?", 1),),
        answers=(
            A(
                "bob",
                _md("""
                    When you turned on two-factor you were shown ten recovery codes (the page
                    nagged you to download `tillwise-recovery-codes.txt`). Check your Downloads
                    folder or your password manager.

                    On the code screen click **Use a recovery code instead** and paste one.
                    Each code works once. Once you're in, set up the authenticator on your new
                    phone and generate a fresh set.
                """),
                2,
                votes=("dan", "erin", "sam"),
                comments=(C("dan", "Found the file in an old backup. I'm in!", 6),),
                accepted=True,
            ),
            A(
                "sam",
                _md("""
                    If anyone lands here without recovery codes: write to support from the
                    account's e-mail address and we'll verify it's you (usually the last invoice
                    number and the last four digits of the card on file). It takes about one
                    working day, on purpose: it's the same path an attacker would try.
                """),
                7,
                votes=("dan", "erin"),
            ),
        ),
    ),
    Q(
        key="mobile-app-offline-market",
        author="alice",
        days_ago=52.6,
        tags=("mobile-app",),
        title="Does the mobile app work offline at a market stall?",
        body=_md("""
            I'm doing a Sunday farmers' market from next month and the signal there is
            terrible. Can I still take orders in the Tillwise app with no connection, and will
            they sync when I'm back home?
        """),
        votes=("dan",),
        answers=(
            A(
                "erin",
                _md("""
                    It caches your product list, so you can browse and build orders offline.
                    I'd test it before market day though: put the phone in airplane mode at home
                    and ring up a couple of fake orders.
                """),
                6,
                votes=("alice",),
            ),
            A(
                "sam",
                _md("""
                    Yes. In offline mode the app:

                    - keeps up to **200 orders** queued on the phone,
                    - syncs them, oldest first, as soon as it sees a connection,
                    - marks them with a small cloud icon until they're synced.

                    The one thing that needs a connection is **card payments** through the
                    reader. Cash and "pay later" orders work fine offline.
                """),
                8,
                votes=("alice", "erin", "bob"),
                accepted=True,
            ),
        ),
    ),
    Q(
        key="quickbooks-duplicate-customers",
        author="carol",
        days_ago=50.2,
        tags=("integrations", "invoices"),
        title="QuickBooks sync keeps creating duplicate customers",
        body=_md("""
            Since connecting QuickBooks Online, every sync creates a new copy of some customers.
            I now have four "Hartley & Sons". The sync log says:

            ```
            2024-03-04 09:12:44 customer "Hartley & Sons": no match, created QBO id 1183
            2024-03-05 09:12:51 customer "Hartley & Sons": no match, created QBO id 1191
            ```

            Other customers are fine. What makes it think these ones are new each time?
        """),
        votes=("alice", "bob", "erin", "sam"),
        answers=(
            A(
                "bob",
                _md("""
                    The sync matches customers on **e-mail address**, not name. A customer with
                    no e-mail in Tillwise never matches, so every sync creates them again.

                    Fix:

                    1. Add an e-mail to those customers in Tillwise (any address they use).
                    2. In QuickBooks, merge the duplicates into one.
                    3. Run the sync again: they'll match from then on.
                """),
                5,
                votes=("carol", "sam", "erin", "alice"),
                comments=(C("carol", "That was it: 14 of my customers had no e-mail. All tidy now.", 20),),
                accepted=True,
            ),
            A(
                "sam",
                _md("""
                    Bob's right. We're changing the sync to fall back to matching on name plus
                    postcode when there's no e-mail; until that ships, his steps are the fix.
                """),
                26,
                votes=("carol",),
            ),
        ),
    ),
    Q(
        key="csv-export-garbled-excel",
        author="erin",
        days_ago=48.4,
        tags=("data-export",),
        title="CSV export shows garbled characters when opened in Excel",
        body=_md("""
            Exporting our customer list to CSV and opening it in Excel turns names like
            *Müller* and *Zoë* into this:

            ```
            MÃ¼ller GmbH,ZoÃ« Fischer
            ```

            Opening the same file in a text editor looks fine. Is the export broken?
        """),
        votes=("carol", "morgan"),
        answers=(
            A(
                "carol",
                _md("""
                    The export is fine: it's UTF-8, and Excel guesses a different encoding
                    when you double-click a CSV. Instead:

                    1. Open a blank workbook.
                    2. **Data → From Text/CSV**, pick the file.
                    3. Set *File origin* to **65001: Unicode (UTF-8)** and load.

                    Names come through correctly.
                """),
                3,
                votes=("erin", "morgan", "bob"),
            ),
            A(
                "sam",
                _md("""
                    There's now also an **Excel (UTF-8 with BOM)** option in the export dialog,
                    which Excel opens correctly on a double-click.
                """),
                30,
                votes=("erin",),
            ),
        ),
    ),
    Q(
        key="too-many-order-emails",
        author="bob",
        days_ago=47.0,
        tags=("notifications", "account-settings"),
        title="How do I stop getting an e-mail for every single order?",
        body=_md("""
            My wife's shop had a good week (great!) but I got 140 e-mails about it (less
            great). I'd still like to know about orders, just not one at a time. Is there a
            summary option?
        """),
        votes=("alice", "dan"),
        answers=(
            A(
                "morgan",
                _md("""
                    **Settings → Notifications → New orders** and switch from *Every order*
                    to *Daily digest*. The digest arrives at 7am in your account's time zone.

                    Each person on the team sets this for themselves, so your wife can keep
                    the per-order e-mails if she likes them.
                """),
                1,
                votes=("bob", "alice", "sam"),
                accepted=True,
            ),
        ),
    ),
    Q(
        key="dashboard-slow-to-load",
        author="erin",
        days_ago=45.5,
        tags=("performance",),
        title="Dashboard takes over 20 seconds to load since last week",
        body=_md("""
            The dashboard used to appear instantly. Since last Tuesday it sits on the spinner
            for 20 to 30 seconds, on every machine in our office (Chrome and Edge). Other pages
            are quick. We have about 12,000 invoices going back to 2016.

            Anything we can do on our side?
        """),
        votes=("bob", "carol", "alice"),
        comments=(C("morgan", "Does it happen on the mobile app's dashboard too, or only on the web?", 2),),
        answers=(
            A(
                "bob",
                _md("""
                    Check the date range picker at the top right. Mine had switched itself to
                    **All time** after the update, which makes it total every invoice since day
                    one. Set it to *Last 30 days*: it remembers the choice and loads instantly.
                """),
                3,
                votes=("erin", "carol", "morgan"),
                accepted=True,
            ),
            A(
                "sam",
                _md("""
                    Thanks for the numbers, Erin. We found a slow query for accounts with more
                    than 10,000 invoices on the *All time* range; a fix went out on Thursday, so
                    *All time* should be back to a couple of seconds too.
                """),
                50,
                votes=("erin",),
            ),
        ),
    ),
    Q(
        key="gdpr-delete-customer",
        author="carol",
        days_ago=44.2,
        tags=("privacy", "data-export"),
        title="A customer asked us to delete all their data (GDPR). How?",
        body=_md("""
            A former customer of one of my clients sent an erasure request. I need to:

            - delete their personal data from Tillwise,
            - but keep the invoices, because we must keep those for seven years for tax.

            Is there a way to do both, or do I have to choose?
        """),
        votes=("erin", "alice", "morgan", "dan"),
        answers=(
            A(
                "sam",
                _md("""
                    You can do both. Open the customer, then **⋯ → Erase personal data**.

                    - Name, e-mail, phone and addresses are removed from the customer record.
                    - Invoices are kept, with the customer shown as *Erased customer #1042*, so
                      your totals and tax records stay correct.
                    - It's logged under **Settings → Privacy → Erasure log**, which you can show
                      as evidence that you handled the request.

                    It can't be undone, so export anything you're obliged to keep first.
                """),
                4,
                votes=("carol", "erin", "morgan", "alice", "bob"),
                accepted=True,
            ),
            A(
                "erin",
                _md("""
                    What we do at school: download the customer's data first (**⋯ → Export
                    customer data**, a ZIP), send it to them if they asked for a copy, and only
                    then erase. We keep a note of the date in our own request log.
                """),
                9,
                votes=("carol", "sam"),
            ),
        ),
    ),
    Q(
        key="invoice-numbers-restart-yearly",
        author="alice",
        days_ago=42.3,
        tags=("invoices",),
        title="Can invoice numbers restart at 1 every year?",
        body=_md("""
            My accountant would like invoice numbers like `2024-0001`, starting again from 1
            each January. At the moment they just count up forever (I'm on 1,873). Possible?
        """),
        votes=("carol",),
        answers=(
            A(
                "carol",
                _md("""
                    Yes: **Settings → Invoices → Numbering**, choose *Custom pattern* and use

                    ```
                    {YYYY}-{####}
                    ```

                    then tick **Restart each year**. `{####}` pads to four digits. Old invoices
                    keep their old numbers, which is what your accountant will want anyway.
                """),
                2,
                votes=("alice", "dan"),
            ),
        ),
    ),
    Q(
        key="webhook-signature-401",
        author="bob",
        days_ago=40.7,
        tags=("integrations",),
        title="Webhook signature check always fails, so my endpoint returns 401",
        body=_md("""
            I'm receiving `order.created` webhooks in a small Flask app and checking the
            signature as the docs describe, but it never matches:

            ```python
            payload = json.dumps(request.get_json())
            expected = hmac.new(SECRET, payload.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, request.headers["Tillwise-Signature"]):
                abort(401)
            ```

            The secret is copied straight from the webhook settings page. What am I missing?
        """),
        votes=("erin", "carol"),
        answers=(
            A(
                "erin",
                _md("""
                    You're signing a *re-serialised* copy of the JSON. `json.dumps` changes the
                    spacing and key order, so the bytes differ from what was signed. Sign the
                    raw body instead:

                    ```python
                    payload = request.get_data()  # bytes, exactly as sent
                    expected = hmac.new(SECRET, payload, hashlib.sha256).hexdigest()
                    ```
                """),
                1.5,
                votes=("bob", "sam", "carol"),
                comments=(C("bob", "Of course. Works now, thank you!", 1),),
                accepted=True,
            ),
            A(
                "sam",
                _md("""
                    One more thing that catches people: each webhook endpoint has its own
                    secret, so if you have a test and a live endpoint, make sure the app uses
                    the one for the URL being called.
                """),
                6,
                votes=("bob",),
            ),
        ),
    ),
    Q(
        key="android-push-notifications-missing",
        author="dan",
        days_ago=38.9,
        tags=("mobile-app", "notifications"),
        title="No push notifications on Android 14 since the update",
        body=_md("""
            Since updating my phone to Android 14 I get no order notifications from the app at
            all. Notifications are switched on in the app and in Android's settings. They do
            show up when I open the app, just never in the background.
        """),
        votes=("alice",),
        comments=(C("alice", "I see this on a Pixel 7 too.", 5),),
        answers=(
            A(
                "bob",
                _md("""
                    Android 14 is aggressive about battery. Try:

                    1. **Settings → Apps → Tillwise → Battery → Unrestricted**
                    2. Open the app once so it re-registers for notifications.

                    On Samsung phones also remove it from *Sleeping apps*.
                """),
                9,
                votes=("dan", "alice"),
                comments=(C("dan", "Unrestricted helped: I get most of them now, still not all.", 30),),
            ),
        ),
    ),
    Q(
        key="transfer-account-ownership",
        author="erin",
        days_ago=37.4,
        tags=("account-settings", "billing"),
        title="How do I transfer account ownership to our new office manager?",
        body=_md("""
            Our office manager is retiring and the account (and the card it's billed to) is in
            her name. The new manager should become the owner before she leaves. I'm an admin
            on the account but not the owner.
        """),
        votes=("carol",),
        answers=(
            A(
                "sam",
                _md("""
                    Only the current owner can do it, so catch her before she leaves:

                    1. She opens **Settings → Team**, next to the new manager's name chooses
                       **⋯ → Make owner**, and confirms with her password.
                    2. The new owner then updates the card under **Settings → Billing**.

                    If an owner has already left, write to support from the school's domain
                    and we'll sort it out with you.
                """),
                5,
                votes=("erin", "carol"),
            ),
        ),
    ),
    Q(
        key="blurry-logo-on-pdf",
        author="alice",
        days_ago=35.6,
        tags=("invoices",),
        title="My logo looks blurry on PDF invoices",
        body=_md("""
            The logo on my invoices looks fine on screen but fuzzy when printed or zoomed into
            the PDF. I uploaded the same JPG I use on the website (300 by 120 pixels).
        """),
        votes=("carol", "bob"),
        answers=(
            A(
                "carol",
                _md("""
                    300 px wide is too small for print. Either upload an **SVG** (stays sharp at
                    any size) or a **PNG at least 1200 px wide**. PNG also gives you a
                    transparent background, which JPG can't.
                """),
                4,
                votes=("alice", "morgan"),
            ),
            A(
                "morgan",
                _md("""
                    If you only have the small JPG, whoever made your logo will almost certainly
                    have the original file: worth an e-mail.
                """),
                12,
            ),
        ),
    ),
    Q(
        key="google-workspace-sign-in",
        author="erin",
        days_ago=33.2,
        tags=("login", "integrations"),
        title="Can our staff sign in with their Google Workspace accounts?",
        body=_md("""
            We manage all 40 staff accounts in Google Workspace. It would be much easier if they
            could use *Sign in with Google* instead of yet another password, and if leavers lost
            access automatically when we suspend them in Google.
        """),
        votes=("bob", "morgan", "carol"),
        answers=(
            A(
                "sam",
                _md("""
                    Yes, on the Business plan: **Settings → Security → Single sign-on → Google
                    Workspace**. Once connected you can tick **Require SSO**, which turns off
                    password sign-in for everyone on your domain.

                    Suspending someone in Google blocks their next sign-in; sessions already open
                    end within an hour.
                """),
                3,
                votes=("erin", "bob", "morgan"),
                comments=(
                    C("erin", "Is SSO available on the Pro plan too?", 2),
                    C("sam", "Not at the moment, Business only.", 3),
                ),
            ),
        ),
    ),
    Q(
        key="bulk-download-invoice-pdfs",
        author="carol",
        days_ago=31.5,
        tags=("data-export", "invoices"),
        title="Bulk download all of last year's invoices as PDFs",
        body=_md("""
            Year-end: a client's auditor wants every invoice from last year as a PDF. That's
            about 900 invoices. Please tell me I don't have to open each one.
        """),
        votes=("alice", "erin"),
        answers=(
            A(
                "alice",
                _md("""
                    You don't! On the **Invoices** list:

                    1. Filter by date (1 Jan to 31 Dec).
                    2. Tick the box in the header to select all, then **Select all 900**.
                    3. **Actions → Download PDFs**.

                    You get an e-mail with a ZIP link. It splits into ZIPs of 500, so you'll get
                    two links.
                """),
                2,
                votes=("carol", "erin", "sam"),
                accepted=True,
            ),
        ),
    ),
    Q(
        key="charged-twice-same-month",
        author="dan",
        days_ago=29.8,
        tags=("billing",),
        title="I was charged twice for the same month",
        body=_md("""
            My banking app shows two charges of €9 from Tillwise on the same day. I only have
            one account. Can someone look at this? €9 is a lot on a student budget.
        """),
        votes=("alice", "carol"),
        answers=(
            A(
                "sam",
                _md("""
                    Sorry for the scare, Dan. When a card is updated we place a small
                    authorisation to check it, and some banks show it at the full plan amount.
                    It's released within 3 to 5 days and never settles.

                    If both are still there after 5 days, reply here and I'll refund the extra
                    one straight away.
                """),
                2,
                votes=("dan", "carol"),
                comments=(C("dan", "One of them disappeared after 4 days, as you said. Thanks!", 100),),
                accepted=True,
            ),
        ),
    ),
    Q(
        key="ios-app-crash-barcode",
        author="alice",
        days_ago=27.3,
        tags=("mobile-app",),
        title="The iOS app crashes as soon as I scan a barcode",
        body=_md("""
            On my iPhone 12 (iOS 17.4), tapping **Scan** opens the camera for a second and then
            the app closes. It worked last week. I've reinstalled the app once already.
        """),
        votes=("erin",),
        answers=(
            A(
                "bob",
                _md("""
                    Try resetting the camera permission: **Settings → Privacy & Security →
                    Camera**, switch Tillwise off and on again.
                """),
                7,
                comments=(C("alice", "Tried that, still crashes straight away.", 4),),
            ),
        ),
    ),
    Q(
        key="new-orders-to-slack",
        author="bob",
        days_ago=25.1,
        tags=("integrations", "notifications"),
        title="Send new-order alerts to a Slack channel?",
        body=_md("""
            We run the shop's team chat in Slack. Is there a way to post a message to
            `#orders` whenever a new order comes in? No Slack integration in the list that I
            can see.
        """),
        votes=("erin",),
        answers=(
            A(
                "erin",
                _md("""
                    No built-in one, but a webhook does it in five minutes:

                    1. In Slack, create an *Incoming Webhook* for `#orders` and copy its URL.
                    2. In Tillwise, **Settings → Webhooks → Add**, event `order.created`, and
                       paste the Slack URL with the **Slack format** option ticked.

                    The message looks like this:

                    ```
                    New order #4812 from Jo Bright: €42.50 (3 items)
                    ```
                """),
                4,
                votes=("bob", "sam", "carol"),
                accepted=True,
            ),
        ),
    ),
    Q(
        key="logged-out-every-30-minutes",
        author="erin",
        days_ago=23.6,
        tags=("login", "account-settings"),
        title="Keep getting logged out every 30 minutes",
        body=_md("""
            Since last week I'm signed out of the web app roughly every half hour, even while
            I'm in the middle of creating an invoice. Colleagues in the same account don't have
            the problem. I use Firefox on Windows 11.
        """),
        votes=("dan", "bob"),
        answers=(
            A(
                "sam",
                _md("""
                    The account owner sets an idle timeout under **Settings → Security → Session
                    length** (15 minutes to 12 hours). But as only you are affected, it's more
                    likely something in your browser.
                """),
                2,
                votes=("erin",),
            ),
            A(
                "carol",
                _md("""
                    I had exactly this: a privacy extension (mine was *Cookie AutoDelete*) was
                    clearing cookies for tabs it considered inactive. Add `app.tillwise.example`
                    to its allow list, or try a private window with extensions off to confirm.
                """),
                5,
                votes=("erin", "dan", "sam"),
                comments=(C("erin", "It was a cleaner extension IT had pushed to my laptop. Sorted.", 20),),
                accepted=True,
            ),
        ),
    ),
    Q(
        key="where-is-data-stored",
        author="dan",
        days_ago=21.4,
        tags=("privacy",),
        title="Where is my data stored? Is there EU hosting?",
        body=_md("""
            I'm helping a small charity choose an invoicing tool and they need their data to
            stay in the EU. Where does Tillwise store data, and who else processes it?
        """),
        votes=("carol", "erin"),
        answers=(
            A(
                "sam",
                _md("""
                    Accounts created in the EU are hosted in Frankfurt, backups included. The
                    full list of subprocessors (payments, e-mail delivery and so on), with where
                    each one processes data, is on the *Subprocessors* page linked from the
                    footer of the site.
                """),
                6,
                votes=("dan", "carol"),
            ),
            A(
                "morgan",
                _md("""
                    The charity will probably also want the Data Processing Agreement: it can be
                    downloaded, already signed, from **Settings → Privacy → DPA**.
                """),
                10,
                votes=("dan", "erin"),
            ),
        ),
    ),
    Q(
        key="product-search-lags",
        author="alice",
        days_ago=19.2,
        tags=("performance",),
        title="Product search lags badly with 3,000 products",
        body=_md("""
            When I type in the product search on the order screen, each letter takes a second
            or two to appear. We have about 3,000 products (lots of cake variations...). It's
            the same on the laptop and the tablet.
        """),
        comments=(C("dan", "How fast is your internet connection in the shop? Mine does that on 4G.", 3),),
        answers=(
            A(
                "bob",
                _md("""
                    Not a fix, but a workaround: search by SKU prefix (like `CAKE-`) instead of
                    by name. That seems to be much quicker for me.
                """),
                20,
                comments=(C("alice", "We don't really use SKUs, but thanks.", 6),),
            ),
        ),
    ),
    Q(
        key="record-partial-payment",
        author="carol",
        days_ago=17.7,
        tags=("invoices", "billing"),
        title="How do I record a partial payment on an invoice?",
        body=_md("""
            A client's customer paid €500 of a €1,200 invoice and will pay the rest next month.
            If I mark it as paid the balance disappears, and if I don't, reminders keep going
            out for the full amount.
        """),
        votes=("alice", "bob"),
        answers=(
            A(
                "alice",
                _md("""
                    Open the invoice and use **Record payment** (not *Mark as paid*), then enter
                    €500. The invoice becomes **Partially paid**, shows the €700 balance, and
                    reminders ask for €700 from then on.
                """),
                3,
                votes=("carol", "sam", "erin"),
                accepted=True,
            ),
        ),
    ),
    Q(
        key="api-429-bulk-import",
        author="bob",
        days_ago=15.4,
        tags=("integrations", "performance"),
        title="API returns 429 Too Many Requests when importing 5,000 products",
        body=_md("""
            I'm importing our catalogue with a script that creates products one by one. After
            about a hundred requests I get:

            ```
            HTTP/1.1 429 Too Many Requests
            Retry-After: 30
            ```

            Is there a way to raise the limit, or a better way to do this?
        """),
        votes=("erin", "carol", "dan"),
        answers=(
            A(
                "erin",
                _md("""
                    Use the batch endpoint: it takes up to 100 products per request, so 5,000
                    products is 50 calls. And honour `Retry-After` when you do hit the limit:

                    ```python
                    for batch in chunks(products, 100):
                        while (r := session.post(url + "/products/batch", json=batch)).status_code == 429:
                            time.sleep(int(r.headers["Retry-After"]))
                        r.raise_for_status()
                    ```
                """),
                2,
                votes=("bob", "sam", "carol"),
                accepted=True,
            ),
            A(
                "sam",
                _md("""
                    For reference, the limit is 120 requests per minute per API key. Batch
                    requests count as one, so Erin's approach is the way to go.
                """),
                5,
                votes=("bob", "erin"),
            ),
        ),
    ),
    Q(
        key="order-notification-sound",
        author="dan",
        days_ago=12.9,
        tags=("notifications", "mobile-app"),
        title="Can I change the sound for new order notifications?",
        body=_md("""
            The new-order sound on Android is the same as my messaging app, so I keep checking
            the wrong one. Is there a way to pick a different sound just for Tillwise orders?
        """),
        votes=("alice",),
    ),
    Q(
        key="two-factor-sms-to-app",
        author="carol",
        days_ago=10.6,
        tags=("login",),
        title="Switch two-factor from SMS to an authenticator app",
        body=_md("""
            I set up two-factor with SMS years ago. Texts sometimes take minutes to arrive when
            I'm visiting clients, so I'd like to move to an authenticator app without turning
            two-factor off in between. How?
        """),
        votes=("erin", "bob"),
        answers=(
            A(
                "dan",
                _md("""
                    **Settings → Security → Two-factor → Change method**. It asks for one last
                    SMS code, then shows a QR code to scan with the app. SMS is switched off only
                    once the app's first code is accepted, so you're never without two-factor.

                    You get new recovery codes at the end: save them this time (ask me how I
                    know).
                """),
                3,
                votes=("carol", "erin", "bob"),
                accepted=True,
            ),
        ),
    ),
    Q(
        key="scheduled-export-to-drive",
        author="erin",
        days_ago=8.3,
        tags=("data-export",),
        title="Schedule a weekly automatic export to Google Drive or SFTP?",
        body=_md("""
            Our finance office wants a fresh CSV of all invoices every Monday morning in a
            shared folder. Doing it by hand works, but someone always forgets. Is there a
            scheduled export?
        """),
        votes=("carol",),
        answers=(
            A(
                "sam",
                _md("""
                    Not built in yet. The export API and a weekly cron job do it today:

                    ```bash
                    curl -s -H "Authorization: Bearer $TILLWISE_KEY" \\
                      "https://api.tillwise.example/v2/exports/invoices.csv" \\
                      -o "/srv/finance/invoices-$(date +%F).csv"
                    ```

                    Point the output at a folder that syncs to Drive, or upload it with `sftp`.
                """),
                20,
                votes=("erin",),
            ),
        ),
    ),
    Q(
        key="payment-page-tracking-cookies",
        author="alice",
        days_ago=6.1,
        tags=("privacy",),
        title="Does the customer payment page set any tracking cookies?",
        body=_md("""
            I'm writing the privacy notice for my bakery's website. When my customers pay an
            invoice through the Tillwise payment link, does that page set any analytics or
            advertising cookies I need to mention?
        """),
        votes=("carol",),
    ),
    Q(
        key="downgrade-pro-to-basic",
        author="dan",
        days_ago=4.4,
        tags=("billing", "account-settings"),
        title="What happens to my data if I downgrade from Pro to Basic?",
        body=_md("""
            Exam season: I'm pausing my side business for a few months and want to drop to the
            basic plan. Will I lose my recurring invoices and the extra product photos?
        """),
        answers=(
            A(
                "morgan",
                _md("""
                    When I downgraded a while back nothing was deleted: things over the Basic
                    limits became read-only. I can't remember what happened to recurring
                    invoices, though.
                """),
                10,
            ),
        ),
    ),
    Q(
        key="yearly-report-times-out",
        author="bob",
        days_ago=2.2,
        tags=("performance", "data-export"),
        title="Yearly sales report times out with a 504 error",
        body=_md("""
            Running **Reports → Sales by product** for the whole of last year fails after a
            minute with:

            ```
            504 Gateway Timeout
            ```

            Monthly reports work. I need the yearly one for our tax return.
        """),
        votes=("carol", "erin"),
        comments=(C("carol", "As a stopgap you could run the twelve months and add them up.", 4),),
    ),
    Q(
        key="invoice-emails-bouncing",
        author="morgan",
        days_ago=0.9,
        tags=("notifications", "invoices"),
        title="Invoice e-mails to one customer keep bouncing",
        body=_md("""
            Every invoice I send to one particular customer comes back as undelivered, although
            they receive my normal e-mails fine. The invoice shows **Delivery failed** with no
            further detail. Where can I see why it bounced?
        """),
    ),
)


# --- seeding -----------------------------------------------------------------------------------


def _voters(votes: tuple[str, ...]):
    for entry in votes:
        yield (entry[1:], -1) if entry.startswith("-") else (entry, 1)


def check(questions=QUESTIONS, usernames=None) -> None:
    """Raise ValueError when the table breaks a forum rule the services leave to the forms."""
    problems: list[str] = []
    keys = [spec.key for spec in questions]
    if len(keys) != len(set(keys)):
        problems.append("question keys must be unique")

    def post_checks(where, author, body, votes, comments, hours_available):
        if not BODY_MIN <= len(body) <= BODY_MAX:
            problems.append(f"{where}: body length {len(body)}")
        for voter, _ in _voters(votes):
            if voter == author:
                problems.append(f"{where}: {voter} votes on their own post")
            if usernames is not None and voter not in usernames:
                problems.append(f"{where}: unknown voter {voter}")
        for comment in comments:
            if not COMMENT_MIN <= len(comment.body) <= COMMENT_MAX:
                problems.append(f"{where}: comment length {len(comment.body)}")
            if comment.after >= hours_available:
                problems.append(f"{where}: a comment lands in the future")

    for spec in questions:
        where = spec.key
        hours = spec.days_ago * 24
        if not TITLE_MIN <= len(spec.title) <= TITLE_MAX:
            problems.append(f"{where}: title length {len(spec.title)}")
        try:
            validate_tags(list(spec.tags))
        except ValidationError as exc:
            problems.append(f"{where}: {'; '.join(exc.messages)}")
        if len(spec.tags) > MAX_TAGS_PER_QUESTION:
            problems.append(f"{where}: more than {MAX_TAGS_PER_QUESTION} tags")
        post_checks(where, spec.author, spec.body, spec.votes, spec.comments, hours)
        if sum(answer.accepted for answer in spec.answers) > 1:
            problems.append(f"{where}: more than one accepted answer")
        for number, answer in enumerate(spec.answers):
            if answer.after >= hours:
                problems.append(f"{where}/answer-{number}: lands in the future")
            post_checks(
                f"{where}/answer-{number}",
                answer.author,
                answer.body,
                answer.votes,
                answer.comments,
                hours - answer.after,
            )
        if usernames is not None:
            authors = [spec.author, *(a.author for a in spec.answers)]
            authors += [c.author for c in spec.comments]
            authors += [c.author for a in spec.answers for c in a.comments]
            problems += [f"{where}: unknown author {name}" for name in authors if name not in usernames]
    if problems:
        raise ValueError("Demo content is inconsistent:\n  " + "\n  ".join(problems))


def _anchor(users) -> datetime:
    """The "now" the demo timeline hangs from: recovered from the first question if it exists,
    so a second run lays every timestamp out exactly where the first run did."""
    first = QUESTIONS[0]
    existing = (
        Question.objects.filter(author=users[first.author], submission_token=token(first.key))
        .values_list("created_at", flat=True)
        .first()
    )
    if existing is None:
        return timezone.now().replace(second=0, microsecond=0)
    return existing + timedelta(days=first.days_ago)


class _Seeder:
    def __init__(self, users, anchor: datetime):
        self.users = users
        self.anchor = anchor
        self.created = 0
        self.question_ids: list[int] = []
        self.answer_ids: list[int] = []
        self.comment_ids: list[int] = []
        self.tags: set[str] = set()
        self.accepted_at: dict[int, datetime] = {}  # answer id -> when the asker accepted it

    def _at(self, start: datetime, hours: float) -> datetime:
        return min(start + timedelta(hours=hours), self.anchor)

    def comments(self, post, key: str, specs, post_time: datetime) -> list[datetime]:
        times = []
        for number, spec in enumerate(specs):
            comment, created = services.comment_create(
                post=post,
                author=self.users[spec.author],
                body=spec.body,
                submission_token=token(f"{key}/comment-{number}"),
            )
            self.created += created
            self.comment_ids.append(comment.pk)
            when = self._at(post_time, spec.after)
            Comment.objects.filter(pk=comment.pk).update(created_at=when)
            times.append(when)
        return times

    def votes(self, post, votes, post_time: datetime) -> None:
        for number, (voter, value) in enumerate(_voters(votes)):
            vote = services.vote_cast(voter=self.users[voter], post=post, value=value)
            when = self._at(post_time, 2 + 5 * number)
            Vote.objects.filter(pk=vote.pk).update(created_at=when, updated_at=when)

    def question(self, spec: DemoQuestion) -> None:
        asker = self.users[spec.author]
        question, created = services.question_create(
            author=asker,
            title=spec.title,
            body=spec.body,
            tags=list(spec.tags),
            submission_token=token(spec.key),
        )
        self.created += created
        self.question_ids.append(question.pk)
        self.tags.update(spec.tags)
        asked = self.anchor - timedelta(days=spec.days_ago)
        Revision.objects.filter(question=question, number=1).update(created_at=asked)
        activity = [asked, *self.comments(question, spec.key, spec.comments, asked)]
        self.votes(question, spec.votes, asked)

        for number, answer_spec in enumerate(spec.answers):
            key = f"{spec.key}/answer-{number}"
            answer, created = services.answer_create(
                question=question,
                author=self.users[answer_spec.author],
                body=answer_spec.body,
                submission_token=token(key),
            )
            self.created += created
            self.answer_ids.append(answer.pk)
            answered = self._at(asked, answer_spec.after)
            Answer.objects.filter(pk=answer.pk).update(created_at=answered)
            Revision.objects.filter(answer=answer, number=1).update(created_at=answered)
            activity.append(answered)
            activity += self.comments(answer, key, answer_spec.comments, answered)
            self.votes(answer, answer_spec.votes, answered)
            if answer_spec.accepted:
                accepted_id = Question.objects.filter(pk=question.pk).values_list(
                    "accepted_answer_id", flat=True
                )[0]
                if accepted_id != answer.pk:  # toggling an accepted answer would unaccept it
                    services.answer_accept_toggle(answer=answer, user=asker)
                thanks = [c.after for c in answer_spec.comments if c.author == spec.author]
                self.accepted_at[answer.pk] = self._at(answered, max(thanks, default=0) + ACCEPT_AFTER_HOURS)
                activity.append(self.accepted_at[answer.pk])

        Question.objects.filter(pk=question.pk).update(created_at=asked, last_activity_at=max(activity))


@transaction.atomic
def seed_content(users: dict) -> dict[str, int]:
    """Create (or find again) the demo questions, answers, comments, votes and acceptances.

    Returns counts of the demo content as it now stands, plus ``created``: how many posts this
    run had to create (0 on a second run), and ``accepted_at``: when each accepted answer was
    accepted, for dating its reputation."""
    check(usernames=set(users))
    seeder = _Seeder(users, _anchor(users))
    with limits_disabled():  # dozens of posts in a second by a few people: demo data, not abuse
        for spec in QUESTIONS:
            seeder.question(spec)
    questions = Question.objects.filter(pk__in=seeder.question_ids)
    votes = Vote.objects.exclude(value=Vote.RETRACTED).filter(
        Where(question_id__in=seeder.question_ids) | Where(answer_id__in=seeder.answer_ids)
    )
    return {
        "questions": len(seeder.question_ids),
        "answers": len(seeder.answer_ids),
        "comments": len(seeder.comment_ids),
        "votes": votes.count(),
        "accepted": questions.solved().count(),
        "unanswered": questions.unanswered().count(),
        "tags": len(seeder.tags),
        "created": seeder.created,
        "question_ids": sorted(seeder.question_ids),
        "accepted_at": seeder.accepted_at,
    }
