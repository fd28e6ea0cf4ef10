from django.urls import path, register_converter

from articles import views


class FourDigits:
    regex = r"[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):04d}"


class TwoDigits:
    regex = r"[0-9]{2}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):02d}"


register_converter(FourDigits, "yyyy")
register_converter(TwoDigits, "dd")

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("<yyyy:year>/<dd:month>/<dd:day>/<str:slug>/", views.story_detail, name="story-detail"),
    path("preview/story/<int:pk>/", views.story_preview, name="story-preview"),
    path("sections/<str:slug>/", views.section_detail, name="section-detail"),
    path("tags/<str:slug>/", views.tag_detail, name="tag-detail"),
    path("search/", views.search, name="search"),
    path("corrections/", views.corrections, name="corrections"),
    path("authors/<str:slug>/", views.author_detail, name="author-detail"),
    path("healthz", views.healthz, name="healthz"),
]
