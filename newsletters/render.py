"""An edition as mail: the HTML part (CSS inlined, dark-mode aware, under Gmail's clip),
the plain-text part, the subject, and each recipient's own links and headers.

The HTML and text are rendered once per version of the content and per choice of
sections; each recipient's unsubscribe and preferences addresses are then put in
place of stand-ins (``RECIPIENT``), so a send of 100,000 messages renders a handful
of templates, not 100,000.
"""

from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from urllib.parse import quote

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

from articles import site
from newsletters import conf
from newsletters.digest import Digest
from newsletters.models import Edition, Newsletter, Send, Subscriber

#: Gmail shows "[Message clipped]" and hides the rest of an HTML part above about 102 KB.
GMAIL_CLIP_BYTES = 102_000
#: Stand-ins for each recipient's own addresses (``.invalid`` can never be a real host).
RECIPIENT = "https://recipient.invalid/"
_UNSUBSCRIBE = RECIPIENT + "unsubscribe/"
_PREFERENCES = RECIPIENT + "preferences/"

_inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str

    @property
    def size(self) -> int:
        """Bytes of the HTML part, as Gmail measures it against its clip."""
        return len(self.html.encode())

    @property
    def clipped(self) -> bool:
        return self.size >= GMAIL_CLIP_BYTES

    def for_recipient(self, subscriber: Subscriber, newsletter: Newsletter) -> tuple[str, str]:
        """The HTML and text with ``subscriber``'s own unsubscribe and preferences links."""
        urls = recipient_urls(subscriber, newsletter)
        return self._with(urls["unsubscribe"], urls["preferences"])

    def preview(self) -> "Rendered":
        """The edition as editors preview it: each reader's own links lead to the sign-up page."""
        signup = site.absolute(reverse("newsletters:signup"))
        html, text = self._with(signup, signup)
        return Rendered(self.subject, html, text)

    def _with(self, unsubscribe: str, preferences: str) -> tuple[str, str]:
        def fill(document: str) -> str:
            return document.replace(_UNSUBSCRIBE, unsubscribe).replace(_PREFERENCES, preferences)

        return fill(self.html), fill(self.text)


def subject_of(digest: Digest) -> str:
    lead = digest.lead
    return f"{digest.newsletter}: {lead.headline}" if lead else digest.newsletter


def render(digest: Digest) -> Rendered:
    """The edition's subject, HTML and text, with stand-ins for the recipient's links,
    in the newsletter's language (a Persian edition's links lead to the Persian site)."""
    with translation.override(digest.language or settings.LANGUAGE_CODE):
        return _render(digest)


def _render(digest: Digest) -> Rendered:
    context = {
        "digest": digest,
        "subject": subject_of(digest),
        "site": settings.NEWSROOM,
        "home_url": site.absolute(reverse("articles:home")),
        "logo_url": site.absolute(static(settings.NEWSROOM.get("LOGO") or "img/logo.png")),
        "signup_url": site.absolute(reverse("newsletters:signup")),
        "corrections_url": site.absolute(reverse("articles:corrections")),
        "unsubscribe_url": _UNSUBSCRIBE,
        "preferences_url": _PREFERENCES,
    }
    html = render_to_string("newsletters/email/edition.html", context)
    text = render_to_string("newsletters/email/edition.txt", context)
    return Rendered(subject=context["subject"], html=_inlined(html), text=_tidy(text))


def _inlined(html: str) -> str:
    """The CSS inlined; the @media rules stay in a style block, which css-inline puts at
    the top of the head: the charset goes back in front of it, as HTML wants it within
    the first 1024 bytes."""
    inlined = _inliner.inline(html)
    charset = '<meta charset="utf-8">'
    if charset in inlined:
        inlined = inlined.replace(charset, "", 1).replace("<head>", "<head>" + charset, 1)
    return inlined


def _tidy(text: str) -> str:
    """Template whitespace out of the plain-text part: no trailing spaces, at most one
    blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"


# --- one recipient ----------------------------------------------------------------------------


def listed(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C`` in the language being shown ("الف و ب" in
    Persian): how a page or a mail names the newsletters someone chose."""
    if len(names) < 2:
        return "".join(names)
    separator = translation.pgettext("between the items of a list", ", ")
    return translation.gettext("%(some)s and %(last)s") % {
        "some": separator.join(names[:-1]),
        "last": names[-1],
    }


def preferences_url(subscriber: Subscriber) -> str:
    return site.absolute(reverse("newsletters:preferences", args=[subscriber.key]))


def recipient_urls(subscriber: Subscriber, newsletter: Newsletter) -> dict[str, str]:
    """A recipient's own links, to the pages in the newsletter's language (a Persian
    newsletter's unsubscribe page is ``/fa/newsletter/unsubscribe/…``)."""
    with translation.override(newsletter.language or settings.LANGUAGE_CODE):
        return {
            "unsubscribe": site.absolute(
                reverse("newsletters:unsubscribe", args=[subscriber.key, newsletter.slug])
            ),
            "preferences": preferences_url(subscriber),
        }


def message(
    rendered: Rendered, edition: Edition, send: Send, subscriber: Subscriber
) -> EmailMultiAlternatives:
    """The mail for one subscriber: their links, and the headers of RFC 8058 (one-click
    unsubscribe), RFC 2919 (List-Id) and a Message-ID fixed by the send row."""
    newsletter = edition.newsletter
    html, text = rendered.for_recipient(subscriber, newsletter)
    urls = recipient_urls(subscriber, newsletter)
    domain = site.domain().split(":")[0] or "localhost"
    mailto = f"mailto:{conf.unsubscribe_mailbox()}?subject={quote('unsubscribe ' + subscriber.key)}"
    name, address = parseaddr(conf.from_email())
    mail = EmailMultiAlternatives(
        subject=rendered.subject,
        body=text,
        from_email=formataddr((name or settings.NEWSROOM["SITE_NAME"], address)),
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{urls['unsubscribe']}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{newsletter.name} <{newsletter.slug}.{domain}>",
            # The same on a second attempt: a mailbox that got the first one folds them.
            "Message-ID": f"<edition-{edition.pk}.send-{send.pk}@{domain}>",
            "Precedence": "bulk",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "OOF, AutoReply",
        },
    )
    mail.attach_alternative(html, "text/html")
    # Read by django-anymail's provider backends, ignored by SMTP: no tracking pixels or
    # rewritten links (readers' privacy), and tags to match bounce reports to sends.
    mail.track_opens = False
    mail.track_clicks = False
    mail.tags = ["newsletter", newsletter.slug]
    mail.metadata = {"edition": str(edition.pk), "send": str(send.pk)}
    return mail
