"""Everything that happens to a subscriber: signing up, confirming, choosing, leaving,
bouncing, downloading and erasing their data. Each status change is one conditional
update with its time and reason; downloads and erasures are in the audit log (by
subscriber number: an erased address is not kept there either).
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext

from articles import editions
from articles.models import AuditEntry
from articles.models.audit import declare_action
from newsletters import conf, guards, mailer
from newsletters.models import Newsletter, Subscriber, SubscriberMail, Subscription

EXPORT = declare_action("newsletter_export", "Newsletter subscriber downloaded their data")
ERASE = declare_action("newsletter_erase", "Newsletter subscriber's data erased")

Status = Subscriber.Status
#: The statuses that stop mail for good until the subscriber confirms again.
_STOPPED = (Status.BOUNCED, Status.COMPLAINED)


def normalized_email(raw: str) -> str:
    """``raw`` as we store it (trimmed, lower case); ValidationError in plain words."""
    email = (raw or "").strip().lower()
    if len(email) > 254:
        raise ValidationError(gettext("That address is too long to be an email address."))
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(gettext("Enter an email address like name@example.org.")) from None
    domain = email.rpartition("@")[2]
    for blocked in conf.blocked_domains():
        if domain == blocked or domain.endswith("." + blocked):
            raise ValidationError(
                gettext(
                    "We cannot send newsletters to addresses at %(domain)s. "
                    "Please use another address."
                )
                % {"domain": domain}
            )
    return email


def default_newsletters(language: str | None = None):
    """What the sign-up box on every page subscribes to: the ticked newsletters, or all,
    of the edition ``language`` (the one being shown) where it has newsletters of its own,
    else of every edition."""
    active = Newsletter.objects.filter(active=True)
    own = active.filter(language=language or editions.current())
    if own.exists():
        active = own
    return active.filter(preselected=True) if active.filter(preselected=True).exists() else active


def _set_choices(subscriber: Subscriber, newsletters, sections) -> None:
    chosen = {newsletter.pk for newsletter in newsletters}
    subscriber.subscriptions.exclude(newsletter__in=chosen).delete()
    have = set(subscriber.subscriptions.values_list("newsletter_id", flat=True))
    Subscription.objects.bulk_create(
        Subscription(subscriber=subscriber, newsletter_id=pk) for pk in chosen - have
    )
    subscriber.sections.set(sections)


def _move(
    subscriber: Subscriber, to: str, reason: str, *, at=None, only_from=None, **fields
) -> bool:
    """Change the status in one conditional update; whether it changed."""
    rows = Subscriber.objects.filter(pk=subscriber.pk).exclude(status=to)
    if only_from is not None:
        rows = rows.filter(status__in=only_from)
    changed = rows.update(
        status=to, status_changed_at=at or timezone.now(), status_reason=reason[:300], **fields
    )
    if changed:
        subscriber.refresh_from_db()
    return bool(changed)


# --- signing up ------------------------------------------------------------------------------------


def sign_up(email: str, newsletters, sections=(), *, page: str = "") -> None:
    """Ask ``email`` to confirm that it wants ``newsletters`` (only ``sections``, if any).

    The page that calls this says the same whatever happened, so nobody can learn from
    it whether an address is subscribed: an address subscribed already is mailed a
    note with its preferences link instead. Mail to one mailbox is limited to
    ``NEWSLETTER_CONFIRMATIONS_PER_DAY`` a day, so nobody can flood a stranger's inbox.
    """
    newsletters = list(newsletters) or list(default_newsletters())
    with transaction.atomic():
        # Mail about this sign-up is in the language of the page it came from.
        language = editions.current()
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(
            email=email, defaults={"signup_page": page[:200], "language": language}
        )
        if subscriber.language != language:
            subscriber.language = language
            Subscriber.objects.filter(pk=subscriber.pk).update(language=language)
        if subscriber.status == Status.ACTIVE:
            kind = SubscriberMail.Kind.ALREADY
        else:
            # Acted on only once they confirm; until then they get nothing.
            _set_choices(subscriber, newsletters, sections)
            if page:
                Subscriber.objects.filter(pk=subscriber.pk).update(signup_page=page[:200])
            kind = SubscriberMail.Kind.CONFIRM
        per_day = conf.number("NEWSLETTER_CONFIRMATIONS_PER_DAY")
        if guards.allow("mailbox", email, per_day, hours=24):
            mailer.queue(subscriber, kind)


def confirm(subscriber: Subscriber, *, ip_address: str | None, at=None) -> bool:
    """The subscriber pressed Confirm: they get their newsletters from now on."""
    now = at or timezone.now()
    with transaction.atomic():
        changed = _move(
            subscriber,
            Status.ACTIVE,
            "Confirmed by the subscriber",
            at=now,
            confirmed_at=now,
            consent_at=now,
            consent_ip=ip_address,
            soft_bounces=0,
        )
        if changed and not subscriber.subscriptions.exists():
            _set_choices(subscriber, default_newsletters(), subscriber.sections.all())
    return changed


def set_preferences(subscriber: Subscriber, newsletters, sections) -> None:
    """Their choice from the preferences page; none ticked is unsubscribing. Someone who
    unsubscribed and ticks newsletters again gets them again (their address was
    confirmed once, and the link proves it is theirs); a bounced or complained
    address must sign up and confirm again."""
    newsletters = list(newsletters)
    with transaction.atomic():
        _set_choices(subscriber, newsletters, sections)
        if not newsletters:
            _move(subscriber, Status.UNSUBSCRIBED, "Chose no newsletter on the preferences page")
        elif subscriber.status == Status.UNSUBSCRIBED and subscriber.confirmed_at:
            _move(subscriber, Status.ACTIVE, "Chose newsletters again on the preferences page")


def unsubscribe(subscriber: Subscriber, newsletter: Newsletter | None, *, reason: str) -> None:
    """Stop ``newsletter`` (every newsletter if None) at once: sends not yet made are
    skipped (the sender checks before every message)."""
    with transaction.atomic():
        if newsletter is not None:
            subscriber.subscriptions.filter(newsletter=newsletter).delete()
            if subscriber.subscriptions.exists():
                return
        _move(subscriber, Status.UNSUBSCRIBED, reason)


# --- what the mail provider tells us -------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A delivery event from the provider, reduced to what it means for the address."""

    email: str
    kind: str  # "hard", "soft", "complaint", "unsubscribe", "delivered"
    reason: str = ""


def record(report: Report, *, at: datetime | None = None) -> bool:
    """Apply a provider's report; whether the subscriber's status changed. A hard bounce
    or a complaint stops all mail to the address; soft bounces do after
    ``NEWSLETTER_SOFT_BOUNCE_LIMIT`` in a row."""
    subscriber = Subscriber.objects.filter(email=report.email.strip().lower()).first()
    if subscriber is None:
        return False
    reason = report.reason[:250]
    if report.kind == "hard":
        return _move(subscriber, Status.BOUNCED, f"Hard bounce: {reason}", at=at)
    if report.kind == "complaint":
        return _move(subscriber, Status.COMPLAINED, f"Spam complaint: {reason}", at=at)
    if report.kind == "unsubscribe":
        return _move(
            subscriber, Status.UNSUBSCRIBED, f"Unsubscribed at the provider: {reason}", at=at
        )
    if report.kind == "soft":
        Subscriber.objects.filter(pk=subscriber.pk).update(soft_bounces=subscriber.soft_bounces + 1)
        if subscriber.soft_bounces + 1 >= conf.number("NEWSLETTER_SOFT_BOUNCE_LIMIT"):
            return _move(
                subscriber,
                Status.BOUNCED,
                f"Delayed too many times: {reason}",
                at=at,
                only_from=[Status.ACTIVE, Status.PENDING],
            )
        return False
    if report.kind == "delivered" and subscriber.soft_bounces:
        Subscriber.objects.filter(pk=subscriber.pk).update(soft_bounces=0)
    return False


# --- their data ----------------------------------------------------------------------------------------


def _row(instance: Model, *, leave=("id",)) -> dict:
    """Every stored column of ``instance`` (foreign keys as ids), as JSON-ready values."""
    data = {}
    for column in instance._meta.concrete_fields:
        if column.name in leave:
            continue
        value = getattr(instance, column.attname)
        data[column.name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def export(subscriber: Subscriber, *, ip_address: str | None = None) -> dict:
    """Everything held about ``subscriber``, recorded in the audit log."""
    data = {
        "subscriber": _row(subscriber, leave=()),
        "sections": list(subscriber.sections.values_list("name", flat=True)),
        "subscriptions": [
            {**_row(row), "newsletter_name": row.newsletter.name}
            for row in subscriber.subscriptions.select_related("newsletter")
        ],
        "editions_sent": [
            {
                **_row(send),
                "newsletter": send.edition.newsletter.name,
                "date": str(send.edition.date),
            }
            for send in subscriber.sends.select_related("edition__newsletter")
        ],
        "mails": [_row(mail) for mail in subscriber.mails.all()],
        # Kept under a keyed hash of the address, for a day, to stop floods of sign-ups.
        "signup_counts_for_this_address": guards.counts("mailbox", subscriber.email),
    }
    AuditEntry.record(EXPORT, message=f"Subscriber #{subscriber.pk} downloaded their data.")
    return data


def erase(subscriber: Subscriber, *, actor=None) -> None:
    """Delete the subscriber and everything about them (their choices, sends, mail,
    counts); the audit log keeps only that subscriber #N was erased, and by whom."""
    with transaction.atomic():
        number = subscriber.pk
        guards.forget("mailbox", subscriber.email)
        subscriber.delete()
        who = "an administrator" if actor is not None else "the subscriber"
        AuditEntry.record(ERASE, actor=actor, message=f"Subscriber #{number} erased by {who}.")


def sections_of(subscriber: Subscriber) -> frozenset[int]:
    return frozenset(subscriber.sections.values_list("pk", flat=True))
