"""The interchange's settings, each with its default, read where they are used.

They live in ``settings.NEWSROOM`` like the rest of the site's own settings (the
environment variable is the key with ``NEWSROOM_`` in front); until a key is set
there, the default below applies, so nothing breaks before it is.
"""

import ipaddress

from django.conf import settings

DEFAULTS = {
    # How long a CDN may keep an API answer (browsers and partners revalidate with the ETag).
    "API_CACHE_SECONDS": 60,
    # Requests a minute for a partner key without a limit of its own.
    "API_KEY_RATE_PER_MINUTE": 600,
    # A webhook delivery attempt gives up after this long, answer or not.
    "WEBHOOK_TIMEOUT_SECONDS": 15,
    # The wait before the first retry; it doubles with each failure, up to the cap.
    "WEBHOOK_RETRY_BASE_SECONDS": 30,
    "WEBHOOK_RETRY_CAP_SECONDS": 12 * 60 * 60,
    # Attempts before a delivery is given up: with the defaults, about three days.
    "WEBHOOK_MAX_ATTEMPTS": 17,
    # Networks (CIDR) that webhooks may reach although they are private, loopback or
    # link-local: none by default; "127.0.0.1/32" for tests or a receiver on this machine.
    "WEBHOOK_ALLOWED_NETWORKS": [],
}


def setting(name: str):
    """``settings.NEWSROOM[name]``, or its default here."""
    return getattr(settings, "NEWSROOM", {}).get(name, DEFAULTS[name])


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    value = setting("WEBHOOK_ALLOWED_NETWORKS")
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    return [ipaddress.ip_network(network.strip(), strict=False) for network in value]
