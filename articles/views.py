from django.http import HttpResponse


def home(request):
    return HttpResponse("")


story_detail = story_preview = section_detail = tag_detail = author_detail = healthz = home
