"""The newsletter's public pages, mounted at ``newsletter/`` in every edition
(``/fa/newsletter/`` is the Persian one; see ``newsroom/urls.py``). The mail provider's
webhooks are in ``newsletters.webhook_urls``, mounted once.
"""

from django.urls import path

from newsletters import views

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
]
