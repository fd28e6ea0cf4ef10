"""Who may see and change a story in the admin.

Editors (``articles.review_story``) see and edit every story; journalists the ones
they write (``StoryQuerySet.written_by``). The admin, the staff pages, the preview
and every transition ask these, never the permissions directly.
"""

from articles.models import Story


def can_edit(user, story: Story) -> bool:
    """Editors edit every story; journalists their own and those they have a byline on."""
    if not (user.is_active and user.has_perm("articles.change_story")):
        return False
    return user.has_perm("articles.review_story") or story.is_written_by(user)


def can_view(user, story: Story) -> bool:
    """Who may see a story's working copy, history and preview links in the admin."""
    if not (user.is_active and user.is_staff and user.has_perm("articles.view_story")):
        return False
    return user.has_perm("articles.review_story") or story.is_written_by(user)


def visible_stories(user):
    """The stories ``user`` may see in the admin: all for editors, those they write otherwise."""
    if user.has_perm("articles.review_story"):
        return Story.objects.all()
    return Story.objects.written_by(user)
