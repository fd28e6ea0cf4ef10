"""How the public newsletter forms are checked without a session or a CSRF cookie.

Reader pages are cached whole and shared by every anonymous reader, so the sign-up
box on them can carry nothing made for one request: no CSRF token (it would also set
a cookie, and a page that sets one is never cached) and no nonce. Its endpoint is
exempt from Django's CSRF middleware and checks for itself:

- **Origin** (or, when a browser sends none, Referer) must be this site: a page
  elsewhere cannot make a reader's browser sign someone up. Every current browser
  sends Origin with a form POST.
- **A form token**: signed with the secret key and time-stamped (Django's ``signing``,
  with a salt of its own), made by ``/newsletter/token/`` when a reader starts using
  the box (``static/js/newsletter.js``) or printed in the sign-up page, which is never
  cached. Without one (no JavaScript) the sign-up page asks the reader to press
  Subscribe there: a script must at least fetch a page of ours first.
- **Throttles** in the database (:func:`allow`), per client address and per mailbox, so
  that neither a script nor a stranger can make us mail someone over and over; and
  double opt-in, so nobody is subscribed who did not press the button in the mail.

Links in mail carry their own proof: a subscriber's random ``key`` (unsubscribe,
preferences) or a signed, expiring token (confirmation, data download).
"""

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from articles import site
from newsletters.conf import number
from newsletters.models import SignupCounter, Subscriber

_FORM_SALT = "newsletters.signup-form"
_CONFIRM_SALT = "newsletters.confirm"
_DATA_SALT = "newsletters.data"


# --- signed tokens -----------------------------------------------------------------------------


def form_token() -> str:
    return signing.dumps("signup", salt=_FORM_SALT)


def form_token_is_valid(token: str) -> bool:
    try:
        value = signing.loads(
            token or "", salt=_FORM_SALT, max_age=timedelta(hours=number("NEWSLETTER_FORM_HOURS"))
        )
    except signing.BadSignature:
        return False
    return value == "signup"


def _subscriber_token(subscriber: Subscriber, salt: str) -> str:
    # The key is in it: an erased and re-created subscriber's old links open nothing.
    return signing.dumps([subscriber.pk, subscriber.key[:16]], salt=salt, compress=True)


class Expired(Exception):
    """A signed link that was genuine but is too old."""


def _subscriber_from(token: str, salt: str, max_age: timedelta) -> Subscriber | None:
    """The subscriber a token names; None if it is forged or they are gone; raises
    :class:`Expired` for a genuine token that is too old."""
    try:
        pk, key = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise Expired from None
    except (signing.BadSignature, ValueError, TypeError):
        return None
    found = Subscriber.objects.filter(pk=pk).first()
    if found is None or not hmac.compare_digest(found.key[:16], str(key)):
        return None
    return found


def confirm_token(subscriber: Subscriber) -> str:
    return _subscriber_token(subscriber, _CONFIRM_SALT)


def confirming(token: str) -> Subscriber | None:
    return _subscriber_from(token, _CONFIRM_SALT, timedelta(days=number("NEWSLETTER_CONFIRM_DAYS")))


def data_token(subscriber: Subscriber) -> str:
    return _subscriber_token(subscriber, _DATA_SALT)


def data_owner(token: str) -> Subscriber | None:
    return _subscriber_from(
        token, _DATA_SALT, timedelta(minutes=number("NEWSLETTER_DATA_LINK_MINUTES"))
    )


# --- where a form came from ------------------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def our_origins(request) -> set[str]:
    origins = {_origin(request.build_absolute_uri("/")), _origin(site.base_url())}
    origins.update(_origin(o) for o in getattr(settings, "CSRF_TRUSTED_ORIGINS", []))
    return origins - {""}


def from_our_pages(request) -> bool:
    """Whether a POST came from a page of this site (Origin, or Referer without one)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        origin = _origin(request.headers.get("Referer", ""))
    return _origin(origin) in our_origins(request) if origin else False


# --- throttles -------------------------------------------------------------------------------------


def _counter_key(kind: str, value: str) -> str:
    # A keyed hash: the table holds no address or mailbox, and nobody without the
    # secret key can test one against it.
    mac = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def allow(kind: str, value: str, limit: int, *, hours: int = 1, at=None) -> bool:
    """Count one attempt of ``kind`` by ``value`` (an address, a mailbox); whether it is
    within ``limit`` over the last ``hours`` hours (clock hours, the current one included).

    One ``INSERT … ON CONFLICT DO UPDATE`` counts it, so two app servers counting at
    the same moment both count (PostgreSQL and SQLite both have it).
    """
    now = at or timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    key = _counter_key(kind, value)
    table = SignupCounter._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, hour, count) VALUES (%s, %s, 1) "
                f"ON CONFLICT (key, hour) DO UPDATE SET count = {table}.count + 1",
                [key, hour],
            )
        since = hour - timedelta(hours=hours - 1)
        total = sum(
            SignupCounter.objects.filter(key=key, hour__gte=since).values_list("count", flat=True)
        )
        # Old counts are of no use to anyone: keep the table to the last day.
        SignupCounter.objects.filter(hour__lt=hour - timedelta(days=1)).delete()
    return total <= limit


def forget(kind: str, value: str) -> int:
    """Delete the counts kept under ``value`` (erasing a subscriber's data)."""
    return SignupCounter.objects.filter(key=_counter_key(kind, value)).delete()[0]


def counts(kind: str, value: str) -> list[dict]:
    """The counts kept under ``value``, for a subscriber's data download."""
    rows = SignupCounter.objects.filter(key=_counter_key(kind, value)).order_by("hour")
    return [{"hour": row.hour.isoformat(), "count": row.count} for row in rows]
