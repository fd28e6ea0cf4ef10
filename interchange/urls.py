"""The read API, mounted at ``api/v1/`` (see ``newsroom/urls.py``)."""

app_name = "api"

urlpatterns: list = []
