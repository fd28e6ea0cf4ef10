"""Where webhooks may go: public addresses only, so that an endpoint cannot be used to
reach the newsroom's own network (server-side request forgery).

A URL is checked when an endpoint is saved and again at every delivery, on the
addresses its host resolves to then: a name that pointed somewhere public when it was
saved may point at 10.0.0.1 or 169.254.169.254 by the time we send. The delivery
connects to the very address that was checked (:mod:`interchange.delivery`), so a
second DNS answer cannot slip in between the check and the connection.

The rules themselves are :mod:`articles.outbound`'s; what is the webhooks' own is the
networks they may reach besides (``WEBHOOK_ALLOWED_NETWORKS``) and the words.
"""

from django.core.exceptions import ValidationError

from articles import outbound
from interchange.conf import allowed_networks

_URL_PROBLEMS = {
    outbound.Problem.MALFORMED: "This is not a valid web address.",
    outbound.Problem.PORT: "This is not a valid web address.",
    outbound.Problem.SCHEME: "Use a web address starting with https:// (or http://).",
    outbound.Problem.NO_HOST: "The web address has no host name.",
    outbound.Problem.CREDENTIALS: "Leave user names and passwords out of the address.",
}


class RefusedAddress(ValidationError):
    """A webhook URL we will not send to; the message says why, in plain words."""


def resolve(url: str) -> tuple[outbound.Target, str]:
    """Where ``url`` goes and the address to connect to, every address its host
    resolves to checked; :class:`RefusedAddress` if any of them is not allowed."""
    try:
        target = outbound.target(url)
    except outbound.BadURL as bad:
        raise RefusedAddress(_URL_PROBLEMS[bad.problem]) from None
    try:
        address = outbound.resolve(target.host, target.port, allowed_networks())
    except outbound.HostNotFound:
        raise RefusedAddress(f"The host name {target.host} could not be found.") from None
    except outbound.NotPublic as refusal:
        raise RefusedAddress(
            f"{target.host} points to {', '.join(refusal.addresses)}, a private or local "
            "address: webhooks only go to public addresses."
        ) from None
    return target, address


def check_url(url: str) -> None:
    """For forms: refuse a URL that a delivery would refuse."""
    resolve(url)
