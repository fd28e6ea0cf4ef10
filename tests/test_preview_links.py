"""Secret preview links: made and revoked by a story's writers, opened without an account."""

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import AuditEntry, PreviewLink
from articles.models.preview import hash_token
from tests.conftest import signed_in
from tests.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(journalist):
    return make_story(
        "Council passes budget",
        created_by=journalist,
        by=journalist,
        lede="The council passed the budget on Tuesday.",
        sections=[("Why it matters", "<p>Bus fares depend on it.</p>")],
    )


def links_url(story):
    return reverse("history:preview-links", args=[story.pk])


def create_url(story):
    return reverse("history:preview-link-create", args=[story.pk])


def revoke_url(link):
    return reverse("history:preview-link-revoke", args=[link.story_id, link.pk])


def create_link(client, story, **data) -> str:
    """Create a link through the page and return the address it shows once."""
    response = client.post(create_url(story), {"revision": 1, "days": 7, **data})
    assert response.status_code == 200
    return response.context["url"]


def path_of(url: str) -> str:
    return url[url.index("/p/") :]


# --- making and revoking ---------------------------------------------------------------


def test_journalist_creates_a_link_and_sees_its_address_once(as_journalist, journalist, story):
    response = as_journalist.post(create_url(story), {"revision": 1, "note": "Source", "days": 3})
    page = response.content.decode()
    assert "Copy it now: it will not be shown again" in page
    assert response.context["url"] in page
    link = PreviewLink.objects.get(story=story)
    assert link.note == "Source"
    assert link.created_by == journalist
    assert link.expires_at - link.created_at == timedelta(days=3)


def test_address_is_absolute(as_journalist, story, settings):
    url = create_link(as_journalist, story)
    assert url.startswith(settings.NEWSROOM["BASE_URL"] + "/p/")


def test_links_page_lists_links_without_their_addresses(as_journalist, story):
    url = create_link(as_journalist, story, note="For the lawyer")
    page = as_journalist.get(links_url(story)).content.decode()
    assert "For the lawyer" in page
    assert "Usable" in page
    assert path_of(url) not in page


def test_links_page_offers_the_latest_revision_by_default(as_journalist, journalist, story):
    story.lede = "A newer lede."
    story.save()
    workflow.save_revision(story, journalist)
    form = as_journalist.get(links_url(story)).context["form"]
    assert form["revision"].value() == 2


def test_token_is_long_and_only_its_hash_is_stored(as_journalist, story):
    url = create_link(as_journalist, story)
    token = path_of(url).removeprefix("/p/").strip("/")
    assert len(token) >= len(secrets.token_urlsafe(32))
    link = PreviewLink.objects.get(story=story)
    assert link.token_hash == hash_token(token)
    stored = PreviewLink.objects.filter(pk=link.pk).values().get()
    assert token not in [str(value) for value in stored.values()]


def test_lifetime_is_at_most_thirty_days(as_journalist, story):
    response = as_journalist.post(create_url(story), {"revision": 1, "days": 31})
    assert response.status_code == 200
    assert response.context["form"].errors["days"]
    assert not PreviewLink.objects.exists()


def test_link_to_a_revision_of_another_story_is_refused(as_journalist, journalist, story):
    workflow.save_revision(
        make_story("Another story", created_by=journalist, by=journalist), journalist
    )
    response = as_journalist.post(create_url(story), {"revision": 2, "days": 7})
    assert response.context["form"].errors["revision"]
    assert not PreviewLink.objects.exists()


def test_creating_a_link_is_audited(as_journalist, journalist, story):
    create_link(as_journalist, story, note="Source")
    entry = AuditEntry.objects.get(story=story, action="preview_create")
    assert entry.actor == journalist
    assert entry.revision_number == 1


def test_revoking_a_link_stops_it_and_is_audited(as_journalist, journalist, story):
    url = create_link(as_journalist, story)
    link = PreviewLink.objects.get(story=story)
    response = as_journalist.post(revoke_url(link))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    entry = AuditEntry.objects.get(story=story, action="preview_revoke")
    assert entry.actor == journalist
    assert Client().get(path_of(url)).status_code == 404


def test_revoking_twice_writes_one_audit_entry(as_journalist, story):
    create_link(as_journalist, story)
    link = PreviewLink.objects.get(story=story)
    as_journalist.post(revoke_url(link))
    as_journalist.post(revoke_url(link))
    assert AuditEntry.objects.filter(story=story, action="preview_revoke").count() == 1


def test_editor_manages_links_of_any_story(as_editor, editor, story):
    assert as_editor.get(links_url(story)).status_code == 200
    create_link(as_editor, story)
    assert PreviewLink.objects.get(story=story).created_by == editor


def test_other_journalist_cannot_create_a_link(as_other_journalist, story):
    assert (
        as_other_journalist.post(create_url(story), {"revision": 1, "days": 7}).status_code == 404
    )
    assert not PreviewLink.objects.exists()


def test_other_journalist_cannot_revoke_a_link(as_other_journalist, journalist, story):
    link, _ = PreviewLink.create_for(story.latest_revision(), by=journalist)
    assert as_other_journalist.post(revoke_url(link)).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_link_id_of_another_story_is_404(as_journalist, journalist, story):
    other = make_story("Another story", created_by=journalist, by=journalist)
    link, _ = PreviewLink.create_for(other.latest_revision(), by=journalist)
    url = reverse("history:preview-link-revoke", args=[story.pk, link.pk])
    assert as_journalist.post(url).status_code == 404


def test_creating_without_csrf_token_is_refused(journalist, story):
    client = signed_in(journalist, enforce_csrf_checks=True)
    response = client.post(create_url(story), {"revision": 1, "days": 7})
    assert response.status_code == 403
    assert not PreviewLink.objects.exists()


# --- the public page ---------------------------------------------------------------------------


def test_preview_shows_the_revision_not_later_edits(as_journalist, journalist, story):
    url = create_link(as_journalist, story)
    story.headline = "A later headline"
    story.lede = "A later lede nobody approved."
    story.save()
    workflow.save_revision(story, journalist)
    response = Client().get(path_of(url))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Council passes budget" in page
    assert "Bus fares depend on it." in page
    assert "A later headline" not in page
    assert "A later lede" not in page


def test_preview_has_a_banner_without_admin_links(as_journalist, story):
    url = create_link(as_journalist, story)
    page = Client().get(path_of(url)).content.decode()
    assert 'role="note"' in page
    assert "Preview — not published" in page
    assert "/admin/" not in page


def test_preview_is_private_unindexed_and_sends_no_referrer(as_journalist, story):
    url = create_link(as_journalist, story)
    response = Client().get(path_of(url))
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"


def test_wrong_token_is_404(client, story):
    assert client.get(reverse("preview:story", args=[secrets.token_urlsafe(32)])).status_code == 404


def test_wrong_token_shows_the_sites_own_404_page(client, settings):
    settings.DEBUG = False
    response = client.get(reverse("preview:story", args=["not-a-token"]))
    assert response.status_code == 404
    assert "We can’t find that page" in response.content.decode()


def test_expired_link_is_404(client, journalist, story):
    _, token = PreviewLink.create_for(
        story.latest_revision(), by=journalist, at=timezone.now() - timedelta(days=8)
    )
    assert client.get(reverse("preview:story", args=[token])).status_code == 404


def test_link_stops_working_when_it_expires(client, journalist, story):
    _, token = PreviewLink.create_for(
        story.latest_revision(), by=journalist, lifetime=timedelta(days=1)
    )
    url = reverse("preview:story", args=[token])
    assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert client.get(url).status_code == 404


def test_revoked_link_is_404(client, journalist, story):
    link, token = PreviewLink.create_for(story.latest_revision(), by=journalist)
    PreviewLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    assert client.get(reverse("preview:story", args=[token])).status_code == 404
