"""The mail provider's webhooks, mounted once at ``newsletter/webhooks/`` (in no edition:
they are for the provider, not for readers; see ``newsroom/urls.py``).

Importing ``provider`` here connects its receivers for anymail's webhook signals: the
webhooks arrive only through these URLs.
"""

from newsletters import provider

app_name = "newsletter-webhooks"

urlpatterns = provider.webhook_urls()
