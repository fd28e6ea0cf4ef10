"""The wire's list on the desk (the admin home page):
``{% load wire_desk %}{% wire_for request.user %}``, beside the story lists.

The newest items nobody has drafted yet, one query with a limit; nothing for people who
may not read the wire.
"""

from django import template
from django.urls import reverse

from wires.models import WireItem

register = template.Library()

#: As many as each of the desk's story lists shows.
WIRE_LIMIT = 8


@register.inclusion_tag("wires/desk_wire.html")
def wire_for(user):
    if not user.has_perm("wires.view_wireitem"):
        return {"items": None}
    items = (
        WireItem.objects.new()
        .select_related("provider")
        .only("pk", "headline", "filed_at", "provider__name")
    )
    return {
        "items": list(items[:WIRE_LIMIT]),
        "more_url": f"{reverse('admin:wires_wireitem_changelist')}?status=new",
    }
