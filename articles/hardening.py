"""How the site meets hostile input: refused at the boundary, never a 500.

- :class:`HostileInputMiddleware` turns what no page of ours can mean into a 404 or a
  413, and a NUL in the query into an ordinary bad value, before anything reads the
  body or queries the database.
- Sign-in throttling (django-axes) per account and address, and per address across
  accounts (:class:`SignInThrottle`), with a lockout page that says when to retry.
- :func:`view_on_site`: the admin's "view on site" shortcut, for what readers can see.
- :func:`xml_text`: text made safe for XML 1.0, for feeds and sitemaps.
- :class:`CheckedQueryString`: what an admin page takes from its query string is
  checked (drill-down dates, initial values of relations) before it is used.
"""

import ipaddress
import re
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import BadRequest, FieldDoesNotExist, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from articles.uploads import max_request_bytes

# No address of ours contains a control character; PostgreSQL refuses NUL in any text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# What XML 1.0 cannot carry at all, escaped or not (tab, CR and LF it can).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


def _without_nul(query) -> QueryDict:
    # U+FFFD is what Django already reads for bytes it cannot decode: every view then
    # sees an ordinary bad value (an unknown section, a word no story has), which it
    # ignores or reports, and PostgreSQL never sees the NUL it cannot take.
    replaced = QueryDict(mutable=True)
    for key, values in query.lists():
        replaced.setlist(
            key.replace("\x00", "\ufffd"), [v.replace("\x00", "\ufffd") for v in values]
        )
    replaced._mutable = False
    return replaced


def _refusal(template: str, status: int, **context) -> HttpResponse:
    # Without the request's context: the section menu would query the database, which
    # may be the very thing that is down.
    body = render_to_string(template, {"site": settings.NEWSROOM, **context})
    return HttpResponse(body, status=status)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest("Content-Length is not a number.") from None


class HostileInputMiddleware:
    """Before any view, database query or read of the body:

    - a path with a control character is a 404 (no page has one);
    - a body longer than the largest upload and its form is a 413, on Content-Length
      alone, so a 200 MB body is never read;
    - a NUL in the query string is read as U+FFFD (PostgreSQL cannot compare text
      with a NUL; every view already copes with a value that matches nothing);
    - cookies with a control character are ignored, as no browser would send them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _CONTROL.search(request.path):
            return _refusal("404.html", 404)
        if _content_length(request) > max_request_bytes():
            return _refusal("413.html", 413, limit_mb=max_request_bytes() // (1024 * 1024))
        if _has_nul(request.GET):
            request.GET = _without_nul(request.GET)
        if any(_CONTROL.search(name + value) for name, value in request.COOKIES.items()):
            request.COOKIES = {
                name: value
                for name, value in request.COOKIES.items()
                if not _CONTROL.search(name + value)
            }
        return self.get_response(request)


# --- sign-in throttling ----------------------------------------------------------------------


def client_address(request) -> str | None:
    """The address a request came from.

    Behind ``NEWSROOM["PROXY_COUNT"]`` proxies (load balancers) that each append to
    X-Forwarded-For, it is the entry the outermost one wrote: entries to its left are
    whatever the client chose to send.
    """
    proxies = settings.NEWSROOM.get("PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            try:
                return str(ipaddress.ip_address(forwarded[-proxies]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


def sign_in_name(request, credentials) -> str | None:
    """The username axes counts failures for: cut to what an account can have, without
    control characters, so that no name reaches its table too long or with a NUL."""
    name = (credentials or {}).get("username")
    if name is None and request is not None:
        name = request.POST.get("username")
    if name is None:
        return None
    user_model = get_user_model()
    longest = user_model._meta.get_field(user_model.USERNAME_FIELD).max_length
    return _CONTROL.sub("", str(name))[:longest]


def address_failure_limit() -> int:
    return settings.NEWSROOM["LOGIN_ADDRESS_FAILURE_LIMIT"]


class SignInThrottle(AxesDatabaseHandler):
    """django-axes with two limits instead of one.

    ``AXES_LOCKOUT_PARAMETERS`` lists (username, address) first, the address alone
    second. ``AXES_FAILURE_LIMIT`` failures for one account from one address (five)
    lock that pair; ``NEWSROOM["LOGIN_ADDRESS_FAILURE_LIMIT"]`` for any accounts from
    one address (twenty: password spraying) lock that address. Either way only the
    address that failed is locked: an editor elsewhere signs in as usual.
    """

    def failures(self, request, credentials=None) -> tuple[int, int]:
        """Recent failures for this account from this address, and from this address."""
        account, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return account, address

    def get_failures(self, request, credentials=None) -> int:
        account, address = self.failures(request, credentials)
        # axes compares this with the per-account limit: the address's failures count
        # in proportion, so it reaches that limit exactly when they reach theirs.
        scaled = address * settings.AXES_FAILURE_LIMIT // address_failure_limit()
        return max(account, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A sign-in forgives that account's failures, not everything tried from the
        # address: one valid account must not reset a spraying run.
        deleted, _ = self.filter_user_attempts(request, credentials)[0].delete()
        return deleted


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets: which lock, and when to try again."""
    account, _ = SignInThrottle().failures(request, credentials)
    cool_off = get_cool_off(request) or timedelta(0)
    response = render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {
            "username": sign_in_name(request, credentials) or "",
            # Locked, and not by this account's own failures: by the address's.
            "whole_address": account < settings.AXES_FAILURE_LIMIT,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "address_failure_limit": address_failure_limit(),
            "cool_off_minutes": round(cool_off.total_seconds() / 60),
            "retry_at": timezone.now() + cool_off,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(round(cool_off.total_seconds()))
    return response


# --- the admin -----------------------------------------------------------------------------


@admin.site.admin_view
def view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" shortcut, answering only with a page readers can see.

    Django's own redirects to any object's would-be address, which would tell anyone
    signed in that an unpublished story exists, and its slug. Where a model's admin
    decides itself what is on the site (a callable ``view_on_site``, as stories have),
    it decides here too; a story not live is a 404, the same as one that never was.
    """
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ValueError, ContentType.DoesNotExist):
        raise Http404("No such object.") from None
    model_admin = admin.site.get_model_admin(model) if admin.site.is_registered(model) else None
    if model_admin is None or not callable(getattr(model_admin, "view_on_site", None)):
        return shortcut(request, content_type_id, object_id)
    try:
        obj = model._default_manager.get(pk=unquote(object_id))
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such page on the site.") from None
    url = model_admin.view_on_site(obj)
    if not url:
        raise Http404("No such page on the site.")
    return redirect(url)


class _CheckedDateChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            # Django checks the drill-down's year, month and day for ValueError only;
            # a year past 9999 overflows, in the check or in the day after it.
            raise IncorrectLookupParameters(error) from error


class CheckedQueryString:
    """For a ModelAdmin: what its pages take from the query string is checked first.

    - A date out of range in the ``date_hierarchy`` drill-down reloads the list with
      Django's "bad filter" notice.
    - An initial value for a relation on the add page (``?story=12``) that no row
      could have is dropped: the autocomplete widget would look it up and fail.
    """

    def get_changelist(self, request, **kwargs):
        return _CheckedDateChangeList

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        return {name: value for name, value in initial.items() if self._could_exist(name, value)}

    def _could_exist(self, name, value) -> bool:
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return True
        if not field.is_relation or field.target_field is None:
            return True
        try:
            for item in value if isinstance(value, list) else [value]:
                field.target_field.to_python(item)
        except ValidationError:
            return False
        return True
