"""The newsletter's public pages, mounted at ``newsletter/`` (see ``newsroom/urls.py``)."""

app_name = "newsletters"

urlpatterns: list = []
