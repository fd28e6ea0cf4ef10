"""The newsletter's public pages, mounted at ``newsletter/`` (see ``newsroom/urls.py``).

Importing ``provider`` here connects its receivers for anymail's webhook signals: the
webhooks arrive only through these URLs.
"""

from django.urls import include, path

from newsletters import provider, views

app_name = "newsletters"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("token/", views.token, name="token"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<slug:key>/<slug:slug>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<slug:key>/", views.preferences, name="preferences"),
    path("preferences/<slug:key>/data/", views.request_data, name="request-data"),
    path("preferences/<slug:key>/erase/", views.erase, name="erase"),
    path("data/<str:token>/", views.data, name="data"),
    path("webhooks/", include(provider.webhook_urls())),
]
