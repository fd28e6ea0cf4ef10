"""The newsletters' settings, each with its default, read where they are used.

Like the interchange's, they live in ``settings.NEWSROOM`` (the environment variable is
the key with ``NEWSROOM_`` in front, e.g. ``NEWSROOM_NEWSLETTER_RATE_PER_MINUTE``);
until a key is set there, the default below applies, so nothing breaks before it is.
"""

from email.utils import parseaddr

from django.conf import settings

DEFAULTS = {
    # Who the newsletter comes from ("Newsroom <news@example.org>"); DEFAULT_FROM_EMAIL if empty.
    "NEWSLETTER_FROM_EMAIL": "",
    # The MAILERS alias editions and sign-up mail go through; if empty, "newsletter" when
    # settings.MAILERS has one (a provider of its own), else the site's "default".
    "NEWSLETTER_MAILER": "",
    # The mailbox of the List-Unsubscribe mailto; unsubscribe@<the sender's domain> if empty.
    "NEWSLETTER_UNSUBSCRIBE_MAILBOX": "",
    # Sending: messages a minute (all workers together, per edition), messages per job,
    # and how long a job may hold an edition before another takes over (its worker died).
    "NEWSLETTER_RATE_PER_MINUTE": 600,
    "NEWSLETTER_BATCH_SIZE": 100,
    "NEWSLETTER_LEASE_SECONDS": 300,
    # A message the mail server turns away for now is tried again after 1, 2, 4… minutes,
    # this many times in all.
    "NEWSLETTER_MAX_ATTEMPTS": 5,
    "NEWSLETTER_RETRY_SECONDS": 60,
    # Sign-ups: tries an hour from one address; confirmation mails a day to one mailbox.
    "NEWSLETTER_SIGNUPS_PER_HOUR": 5,
    "NEWSLETTER_CONFIRMATIONS_PER_DAY": 3,
    # Domains (and their subdomains) no one may sign up with, e.g. throwaway mail services.
    "NEWSLETTER_BLOCKED_DOMAINS": [],
    # How long a confirmation link, a sign-up form and a data-download link stay valid.
    "NEWSLETTER_CONFIRM_DAYS": 7,
    "NEWSLETTER_FORM_HOURS": 6,
    "NEWSLETTER_DATA_LINK_MINUTES": 60,
    # A draft edition is made this long before its send time, for editors to work on.
    "NEWSLETTER_DRAFT_HOURS": 2,
    # Delays reported by the provider before an address counts as bounced.
    "NEWSLETTER_SOFT_BOUNCE_LIMIT": 5,
    # The most stories one edition lists: keeps the email under Gmail's 102 KB clip.
    "NEWSLETTER_MAX_STORIES": 25,
}


def setting(name: str):
    """``settings.NEWSROOM[name]``, or its default here."""
    return getattr(settings, "NEWSROOM", {}).get(name, DEFAULTS[name])


def number(name: str) -> int:
    return int(setting(name))


def from_email() -> str:
    return setting("NEWSLETTER_FROM_EMAIL") or settings.DEFAULT_FROM_EMAIL


def unsubscribe_mailbox() -> str:
    mailbox = setting("NEWSLETTER_UNSUBSCRIBE_MAILBOX")
    if mailbox:
        return mailbox
    domain = parseaddr(from_email())[1].rpartition("@")[2] or "localhost"
    return f"unsubscribe@{domain}"


def blocked_domains() -> list[str]:
    value = setting("NEWSLETTER_BLOCKED_DOMAINS")
    if isinstance(value, str):
        value = value.split(",")
    return [domain.strip().lower().strip(".") for domain in value if domain.strip()]


def mailer() -> str:
    chosen = setting("NEWSLETTER_MAILER")
    if chosen:
        return chosen
    return "newsletter" if "newsletter" in getattr(settings, "MAILERS", {}) else "default"
