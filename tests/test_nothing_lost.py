"""Nothing a journalist writes is lost: not to a slug race, a full disk, a stale form or a
worker killed mid-save. Through HTTP against gunicorn as production runs it, and on two
real database connections where the race is the point."""

import errno
import io
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connections, transaction
from django.urls import reverse
from PIL import Image

from articles import snapshot, workflow
from articles.models import AuditEntry, RefusedSave, Story
from articles.storage import MediaStorage
from tests.conftest import change_url, form_values, in_group, messages_of
from tests.factories import make_author, make_story, make_user
from tests.servers import AppServer, Browser, production_password

ADD_URL = reverse("admin:articles_story_add")


def jpeg(size=(1600, 1000), noise=True) -> bytes:
    """A photo-like JPEG: noise compresses badly, so the file is large."""
    picture = Image.effect_noise(size, 64).convert("RGB") if noise else Image.new("RGB", size)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body, as a browser sends a form with a file."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode()
            )
    for name, (filename, data, content_type) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_with_file(browser: Browser, path: str, fields: dict, files: dict, **options):
    body, content_type = multipart({**fields, "csrfmiddlewaretoken": browser.csrf_token()}, files)
    referer = browser.base.replace("http://", "https://") + path
    return browser.request(
        "POST", path, body, headers={"Content-Type": content_type, "Referer": referer}, **options
    )


def media_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


# --- two stories with one headline at the same moment -----------------------------------


@pytest.mark.slow  # two database connections racing
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_stories_with_one_headline_at_once_are_both_kept():
    first_inserted, first_may_commit = threading.Event(), threading.Event()
    made = {}

    def first():
        with transaction.atomic():
            made["first"] = Story.objects.create(headline="Bridge closes", lede="First text.")
            first_inserted.set()
            first_may_commit.wait(5)
        connections.close_all()

    def second():
        made["second"] = Story.objects.create(headline="Bridge closes", lede="Second text.")
        connections.close_all()

    one = threading.Thread(target=first)
    one.start()
    assert first_inserted.wait(5)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.3)  # the second insert now waits on the first's unique slug
    first_may_commit.set()
    one.join(5)
    two.join(5)
    stories = Story.objects.filter(headline="Bridge closes").order_by("pk")
    assert [s.lede for s in stories] == ["First text.", "Second text."]
    assert [s.slug for s in stories] == ["bridge-closes", "bridge-closes-2"]


@pytest.mark.slow  # gunicorn
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_journalists_saving_one_headline_at_once_through_the_admin_lose_nothing(client):
    writers = []
    for n in range(6):
        writer = in_group(make_user(f"writer{n}"), "Journalists")
        writers.append((writer, production_password(writer)))
    client.force_login(writers[0][0])
    data = form_values(client.get(ADD_URL)) | {"headline": "Harbour strike ends", "slug": ""}
    with AppServer(workers=3) as app:
        browsers = []
        for writer, password in writers:
            browser = Browser(app.url)
            browser.sign_in(writer.username, password)
            browsers.append(browser)
        start = threading.Barrier(len(browsers))
        answers = {}

        def save(n, browser):
            start.wait()
            answers[n] = browser.post(ADD_URL, data | {"lede": f"Text number {n}."})

        threads = [threading.Thread(target=save, args=item) for item in enumerate(browsers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(answer.status for answer in answers.values()) == [302] * len(writers)
    stories = Story.objects.filter(headline="Harbour strike ends")
    assert sorted(s.lede for s in stories) == sorted(f"Text number {n}." for n in range(6))
    assert len({s.slug for s in stories}) == len(writers)


# --- a full disk -----------------------------------------------------------------------------


class FullDisk(MediaStorage):
    """Writes a little, then fails as a full disk does."""

    def _save(self, name, content):
        def write_then_fail(chunks):
            yield next(iter(chunks))
            raise OSError(errno.ENOSPC, "No space left on device")

        original = content.chunks
        content.chunks = lambda *a, **k: write_then_fail(original(*a, **k))
        return super()._save(name, content)


def test_a_failed_write_leaves_no_partial_file(tmp_path):
    storage = FullDisk(location=tmp_path)
    with pytest.raises(OSError):
        storage.save("stories/photo.jpg", ContentFile(b"x" * 300_000))
    assert media_files(tmp_path) == set()


def test_media_is_stored_by_the_storage_that_cleans_up():
    assert isinstance(default_storage, MediaStorage)


@pytest.mark.django_db
def test_a_full_disk_keeps_the_text_and_says_what_happened(settings, as_editor, editor):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.test_nothing_lost.FullDisk"},
    }
    story = make_story("Storm hits coast", created_by=editor, by=editor)
    data = form_values(as_editor.get(change_url(story))) | {
        "lede": "The storm reached the coast at dawn.",
        "lead_image_alt": "Waves over the sea wall",
        "lead_image": io.BytesIO(jpeg((400, 300))),
    }
    data["lead_image"].name = "storm.jpg"
    answer = as_editor.post(change_url(story), data, follow=True)
    assert answer.status_code == 200
    assert any("could not be stored: the disk is full" in m for m in messages_of(answer))
    story.refresh_from_db()
    assert story.lede == "The storm reached the coast at dawn."
    assert not story.lead_image
    latest = snapshot.of(story.latest_revision())
    assert latest.lede == story.lede and latest.image is None
    assert media_files(Path(settings.MEDIA_ROOT)) == set()


@pytest.fixture
def tiny_disk(tmp_path):
    """A 320 KB tmpfs of the test's own; skipped where this user may not mount one."""
    mount = tmp_path / "tinyfs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow  # gunicorn, and a real tmpfs filled up
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_full_media_disk_through_the_admin_keeps_the_text(tiny_disk, client, editor):
    story = make_story("Storm hits coast", created_by=editor, by=editor)
    password = production_password(editor)
    client.force_login(editor)
    data = form_values(client.get(change_url(story)))
    (tiny_disk / "filler").write_bytes(b"\0" * (300 * 1024))
    with AppServer(env={"MEDIA_ROOT": str(tiny_disk)}) as app:
        desk = Browser(app.url)
        desk.sign_in(editor.username, password)
        answer = post_with_file(
            desk,
            change_url(story),
            data | {"lede": "The storm reached the coast at dawn.", "lead_image_alt": "Waves"},
            {"lead_image": ("storm.jpg", jpeg(), "image/jpeg")},
        )
        assert answer.status == 302
        page = desk.get(answer.headers["Location"]).text
    assert "could not be stored: the disk is full" in page
    story.refresh_from_db()
    assert story.lede == "The storm reached the coast at dawn."
    assert snapshot.of(story.latest_revision()).lede == story.lede
    assert media_files(tiny_disk) == {"filler"}


# --- a stale form, and a closed tab ------------------------------------------------------------


@pytest.mark.slow  # gunicorn
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_stale_save_is_kept_after_the_tab_is_closed(client, editor):
    other = in_group(make_user("second_editor"), "Editors")
    story = make_story("Council budget", lede="The first lede.", created_by=editor, by=editor)
    password = production_password(editor)
    client.force_login(editor)
    opened = form_values(client.get(change_url(story)))  # the form, at this version

    story.lede = "The other editor's lede."
    story.save()
    workflow.save_revision(story, other, "Meanwhile")

    with AppServer() as app:
        tab = Browser(app.url)
        tab.sign_in(editor.username, password)
        refused = tab.post(change_url(story), opened | {"lede": "My careful rewrite."})
        assert refused.status == 200
        assert "saved this story since you opened it" in refused.text
        del tab  # the tab is closed; nothing survives in the browser

        later = Browser(app.url)
        later.sign_in(editor.username, password)
        history = later.get(reverse("history:list", args=[story.pk])).text
        kept = RefusedSave.objects.get(story=story)
        assert reverse("history:refused", args=[story.pk, kept.pk]) in history
        shown = later.get(reverse("history:refused", args=[story.pk, kept.pk])).text
        assert "My careful rewrite." in shown and "other editor" in shown
        used = later.post(reverse("history:use-refused", args=[story.pk, kept.pk]), {})
        assert used.status == 302
    story.refresh_from_db()
    assert story.lede == "My careful rewrite."
    assert AuditEntry.objects.filter(story=story, action="refused_save").count() == 1
    assert AuditEntry.objects.filter(story=story, action="use_refused_save").count() == 1


@pytest.mark.django_db
def test_a_refused_save_keeps_every_part_of_the_form(editor, as_editor):
    author = make_author("Reporter")
    story = make_story(
        "Council budget",
        authors=[author],
        sections=[("Why it matters", "<p>Fares rise.</p>")],
        created_by=editor,
        by=editor,
    )
    opened = form_values(as_editor.get(change_url(story)))
    story.headline = "Council budget passes"
    story.save()
    workflow.save_revision(story, editor)
    posted = opened | {"lede": "Refused lede.", "sections-0-body": "<p>Fares rise by 5%.</p>"}
    answer = as_editor.post(change_url(story), posted)
    assert answer.status_code == 200
    kept = snapshot.Snapshot.from_json(RefusedSave.objects.get(story=story).snapshot)
    assert kept.headline == "Council budget"  # what the form held, not what won
    assert kept.lede == "Refused lede."
    assert [p.text for p in kept.sections] == ["Fares rise by 5%."]
    assert [c.name for c in kept.bylines] == ["Reporter"]


# --- a worker killed mid-save ------------------------------------------------------------------


@pytest.mark.slow  # gunicorn, killed with SIGKILL
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_save_leaves_a_whole_story_and_no_orphan(tmp_path, client, editor):
    media = tmp_path / "media"
    media.mkdir()
    story = make_story("Port reopens", lede="The old lede.", created_by=editor, by=editor)
    before = snapshot.of(story.latest_revision())
    password = production_password(editor)
    client.force_login(editor)
    data = form_values(client.get(change_url(story))) | {
        "lede": "The new lede.",
        "lead_image_alt": "Cranes",
    }
    with AppServer(workers=1, env={"MEDIA_ROOT": str(media)}) as app:
        desk = Browser(app.url)
        desk.sign_in(editor.username, password)
        worker = app.worker_pids()[0]
        outcome = {}
        saving = threading.Thread(
            target=lambda: outcome.update(
                answer=_quietly(
                    post_with_file,
                    desk,
                    change_url(story),
                    data,
                    {"lead_image": ("cranes.jpg", jpeg((4000, 3000)), "image/jpeg")},
                )
            )
        )
        saving.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (media / "stories").exists():
            time.sleep(0.001)
        os.kill(worker, signal.SIGKILL)  # the image is being written: the save is half done
        saving.join(30)
    story = Story.objects.get(pk=story.pk)
    working = snapshot.build(story)
    latest = snapshot.of(story.latest_revision())
    assert working == latest  # the working copy is whole: the last saved revision
    assert latest in (before,) or (latest.lede == "The new lede." and latest.image is not None)
    call_command("prune_media", "--delete", "--older-than", "0", stdout=io.StringIO())
    used = {latest.image.name} if latest.image else set()
    assert media_files(media) == used


def _quietly(function, *args):
    try:
        return function(*args, timeout=30)
    except OSError as error:  # the connection dies with the worker
        return error
