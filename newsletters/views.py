"""The newsletter's public pages: sign up, confirm, unsubscribe, preferences, your data.

Every answer here is for one reader: ``never_cache`` (private, no-store) keeps it out of
the page cache, and none sets a cookie or uses a CSP nonce. The forms are exempt from
Django's CSRF middleware, which would need a cookie, and are checked by
``newsletters.guards`` instead (see there why and how).
"""

import json
from urllib.parse import urlsplit

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from articles.hardening import client_address
from articles.templatetags.editions import edition_number
from newsletters import conf, guards, mailer, subscribers
from newsletters.forms import EraseForm, PreferencesForm, SignupForm
from newsletters.models import Newsletter, Subscriber, SubscriberMail
from newsletters.render import listed, preferences_url

_FORMS = require_http_methods(["GET", "HEAD", "POST"])


def _message(request, status: int, title: str, text: str, **extra) -> HttpResponse:
    response = render(
        request, "newsletters/message.html", {"title": title, "text": text, **extra}, status=status
    )
    if status == 429:
        now = timezone.now()
        response["Retry-After"] = str(3600 - now.minute * 60 - now.second)
    return response


def _elsewhere(request) -> HttpResponse:
    return _message(
        request,
        403,
        _("Please use our own page"),
        _(
            "This form was sent from another website, so we did not act on it. "
            "Sign up or change your choices on our newsletter page."
        ),
    )


def _broken_link(request) -> HttpResponse:
    return _message(
        request,
        404,
        _("This link does not work"),
        _(
            "It may have been copied incompletely, or the subscription it belonged to was "
            "erased. The links in our latest newsletter always work."
        ),
    )


def _subscriber(key: str) -> Subscriber | None:
    return Subscriber.objects.filter(key=key).first()


def _came_from(request) -> str:
    return urlsplit(request.headers.get("Referer", "")).path[:200]


# --- signing up ------------------------------------------------------------------------------


def _signup_page(request, form, *, status: int = 200, note: str = "") -> HttpResponse:
    context = {
        "form": form,
        "token": guards.form_token(),
        "note": note,
        "newsletters": Newsletter.objects.filter(active=True),
    }
    return render(request, "newsletters/signup.html", context, status=status)


def _defaults() -> list[int]:
    return list(subscribers.default_newsletters().values_list("pk", flat=True))


@csrf_exempt
@never_cache
@_FORMS
def signup(request):
    """The sign-up page, and where every sign-up form posts, the box on each page too."""
    if request.method != "POST":
        return _signup_page(request, SignupForm(initial={"newsletters": _defaults()}))
    if not guards.from_our_pages(request):
        return _elsewhere(request)
    if not guards.form_token_is_valid(request.POST.get("token", "")):
        # The box on a cached page carries no token; its script fetches one. Without
        # JavaScript (or after many hours) the reader confirms their choice here.
        form = SignupForm(
            initial={"email": request.POST.get("email", "")[:320], "newsletters": _defaults()}
        )
        return _signup_page(
            request, form, note=_("One more step: check your choices and press Subscribe.")
        )
    if not guards.allow(
        "address", client_address(request) or "unknown", conf.number("NEWSLETTER_SIGNUPS_PER_HOUR")
    ):
        return _message(
            request,
            429,
            _("Too many sign-ups"),
            _(
                "We had too many sign-ups from your connection in the last hour. "
                "Please try again in an hour."
            ),
        )
    form = SignupForm(request.POST)
    if not form.is_valid():
        return _signup_page(request, form, status=400)
    data = form.cleaned_data
    subscribers.sign_up(
        data["email"], data["newsletters"], data["sections"], page=_came_from(request)
    )
    return render(request, "newsletters/check_inbox.html", {"email": data["email"]})


@never_cache
@require_safe
def token(request):
    """A form token for the sign-up box of a cached page (``static/js/newsletter.js``)."""
    return JsonResponse({"token": guards.form_token()})


@csrf_exempt
@never_cache
@_FORMS
def confirm(request, token):
    """A GET only shows the button: mail scanners open links, and opening is not consent."""
    try:
        subscriber = guards.confirming(token)
    except guards.Expired:
        return _message(
            request,
            410,
            _("This link has expired"),
            _(
                "Confirmation links work for %(days)s days. "
                "Sign up again and we will send you a new one."
            )
            % {"days": edition_number(conf.number("NEWSLETTER_CONFIRM_DAYS"))},
            signup=True,
        )
    if subscriber is None:
        return _broken_link(request)
    names = [s.newsletter.name for s in subscriber.subscriptions.select_related("newsletter")]
    context = {"newsletters": listed(names), "preferences_url": preferences_url(subscriber)}
    if request.method == "POST":
        if not guards.from_our_pages(request):
            return _elsewhere(request)
        subscribers.confirm(subscriber, ip_address=client_address(request))
        return render(request, "newsletters/confirmed.html", context)
    if subscriber.status == Subscriber.Status.ACTIVE:
        return render(request, "newsletters/confirmed.html", context)
    return render(request, "newsletters/confirm.html", context)


# --- leaving and choosing ---------------------------------------------------------------------------


@csrf_exempt
@never_cache
@_FORMS
def unsubscribe(request, key, slug):
    """RFC 8058: a mail app POSTs ``List-Unsubscribe=One-Click`` here, with no cookie and
    no Origin; the subscriber's key in the address is the proof. A GET shows a button."""
    subscriber = _subscriber(key)
    if subscriber is None:
        return _broken_link(request)
    newsletter = Newsletter.objects.filter(slug=slug).first()
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        everything = newsletter is None or request.POST.get("scope") == "all"
        subscribers.unsubscribe(
            subscriber,
            None if everything else newsletter,
            reason="One-click unsubscribe from the mail"
            if one_click
            else "Unsubscribed on the page",
        )
        if one_click:
            return HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8")
        left = _("all our newsletters") if everything else newsletter.name
        return render(
            request,
            "newsletters/unsubscribed.html",
            {"left": left, "preferences_url": preferences_url(subscriber)},
        )
    return render(
        request,
        "newsletters/unsubscribe.html",
        {"newsletter": newsletter, "preferences_url": preferences_url(subscriber)},
    )


@csrf_exempt
@never_cache
@_FORMS
def preferences(request, key):
    subscriber = _subscriber(key)
    if subscriber is None:
        return _broken_link(request)
    saved = False
    if request.method == "POST":
        if not guards.from_our_pages(request):
            return _elsewhere(request)
        form = PreferencesForm(request.POST)
        if form.is_valid():
            subscribers.set_preferences(
                subscriber, form.cleaned_data["newsletters"], form.cleaned_data["sections"]
            )
            subscriber.refresh_from_db()
            form, saved = PreferencesForm(subscriber=subscriber), True
    else:
        form = PreferencesForm(subscriber=subscriber)
    return render(
        request,
        "newsletters/preferences.html",
        {"subscriber": subscriber, "form": form, "saved": saved, "erase_form": EraseForm()},
    )


# --- their data ---------------------------------------------------------------------------------------


@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def request_data(request, key):
    """Mail a download link: the data goes only to whoever reads the subscriber's mail,
    not to whoever holds a forwarded newsletter."""
    subscriber = _subscriber(key)
    if subscriber is None:
        return _broken_link(request)
    if not guards.from_our_pages(request):
        return _elsewhere(request)
    per_day = conf.number("NEWSLETTER_CONFIRMATIONS_PER_DAY")
    if guards.allow("mailbox", subscriber.email, per_day, hours=24):
        mailer.queue(subscriber, SubscriberMail.Kind.DATA)
    return _message(
        request,
        200,
        _("Check your inbox"),
        _("We are mailing a link to download your data. It works for %(minutes)s minutes.")
        % {"minutes": edition_number(conf.number("NEWSLETTER_DATA_LINK_MINUTES"))},
    )


@csrf_exempt
@never_cache
@_FORMS
def data(request, token):
    try:
        subscriber = guards.data_owner(token)
    except guards.Expired:
        return _message(
            request,
            410,
            _("This link has expired"),
            _("Ask for a new one on your preferences page."),
        )
    if subscriber is None:
        return _broken_link(request)
    if request.method != "POST":
        return render(request, "newsletters/data.html", {"token": token})
    if not guards.from_our_pages(request):
        return _elsewhere(request)
    body = json.dumps(subscribers.export(subscriber), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="newsletter-data.json"'
    return response


@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def erase(request, key):
    subscriber = _subscriber(key)
    if subscriber is None:
        return _broken_link(request)
    if not guards.from_our_pages(request):
        return _elsewhere(request)
    form = EraseForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "newsletters/preferences.html",
            {
                "subscriber": subscriber,
                "form": PreferencesForm(subscriber=subscriber),
                "erase_form": form,
            },
            status=400,
        )
    subscribers.erase(subscriber)
    return _message(
        request,
        200,
        _("Your data is erased"),
        _(
            "We deleted your address, your choices and the record of what we sent you. "
            "You will get no more mail from us."
        ),
        signup=True,
        home=reverse("articles:home"),
    )
