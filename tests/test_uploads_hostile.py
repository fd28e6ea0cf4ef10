"""Uploads an attacker would send: a body too big to read, slivers, long animations, names
too long for the file system. Each refused with a word for the uploader, or stored
under a generated name; never a 500, never read whole first.

Through a production app server, uploading an author's photo (the simplest form with
an image field); details in process.
"""

import contextlib
import io
import os
import re
import socket
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from PIL import Image

from articles import uploads
from articles.models import Author
from tests.servers import AppServer, Browser, production_password

ADD_AUTHOR = "/admin/articles/author/add/"


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def app(django_db_setup, django_db_blocker, media_root):
    with django_db_blocker.unblock(), AppServer(env={"MEDIA_ROOT": str(media_root)}) as server:
        yield server


# --- making files -------------------------------------------------------------------------


def png(size) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: ``side``² × 3 bytes of it, or nearly."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        buffer, "PNG", compress_level=1
    )
    return buffer.getvalue()


def gif_of(frames: int) -> bytes:
    images = [Image.new("P", (1, 1), n % 2) for n in range(frames)]
    for image in images:
        image.putpalette([0, 0, 0, 255, 255, 255])
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=10)
    return buffer.getvalue()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A form body as a browser encodes it: (body, Content-Type)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (file_name, data) in files.items():
        parts.append(
            (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"; filename="{file_name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def add_author(browser: Browser, file_name: str, data: bytes, name="Jane Doe"):
    browser.get(ADD_AUTHOR)
    body, content_type = multipart(
        {
            "csrfmiddlewaretoken": browser.csrf_token(),
            "name": name,
            "slug": "",
            "job_title": "Ports reporter",
            "bio": "Writes about ships.",
            "photo_alt": name,
            "user": "",
        },
        {"photo": (file_name, data)},
    )
    return browser.request(
        "POST",
        ADD_AUTHOR,
        body,
        headers={
            "Content-Type": content_type,
            "Referer": browser.base.replace("http://", "https://") + ADD_AUTHOR,
        },
    )


def errors(answer) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.text, re.S))


@pytest.fixture
def desk(app, editor) -> Browser:
    browser = Browser(app.url)
    browser.sign_in("editor", production_password(editor))
    return browser


# --- through the app server ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(app):
    head = (
        f"POST {ADD_AUTHOR} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {200 * 1024 * 1024}\r\nConnection: close\r\n\r\n"
    )
    started = time.monotonic()
    # Only the headers and the first 64 KB are sent: a server that read the body first
    # would wait for the rest until the socket's timeout.
    answer = b""
    with socket.create_connection(("127.0.0.1", app.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"x" * 65536)
        # Until the server closes; it may reset the connection, the body being unread.
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"We accept at most 25 MB at a time" in answer
    assert time.monotonic() - started < 5
    assert Browser(app.url).get("/healthz").status == 200  # and the server carries on


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_slivers_and_long_animations_are_refused_with_a_word_for_the_uploader(desk):
    sliver = add_author(desk, "panorama.png", png((100_000, 1)))
    assert sliver.status == 200
    assert "too long and thin" in errors(sliver)
    animation = add_author(desk, "loop.gif", gif_of(10_000))
    assert animation.status == 200
    assert "too many frames" in errors(animation)
    assert not Author.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_name_of_any_length_is_stored_under_a_generated_name(desk, media_root):
    for n, file_name in enumerate(
        [
            "a" * 300 + ".png",  # small enough to be kept in memory
            "photo." + "x" * 300,  # over 5 MB: a temporary file, named after it
        ]
    ):
        data = png((64, 48)) if n == 0 else noise_png(1400)
        answer = add_author(desk, file_name, data, name=f"Author {n}")
        assert answer.status == 302, errors(answer)
        stored = Author.objects.get(name=f"Author {n}").photo.name
        assert re.fullmatch(r"authors/.*[0-9a-f]{32}\.png", stored), stored
        assert (media_root / stored).is_file()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_file_over_the_cap_is_refused_and_the_form_keeps_what_was_typed(desk):
    over = noise_png(2300)  # about 16 MB
    assert len(over) > uploads.MAX_BYTES
    answer = add_author(desk, "huge.png", over, name="Jane Over")
    assert answer.status == 200
    assert "larger than 15 MB" in errors(answer)
    assert 'value="Jane Over"' in answer.text
    assert "Writes about ships." in answer.text


# --- details, in process -----------------------------------------------------------------


def receive(handler, data: bytes, name="big.png", chunk=64 * 1024):
    """Feed ``data`` to ``handler`` as Django's parser does; return (result, bytes written)."""
    handler.new_file("photo", name, "image/png", len(data))
    written = []
    disk = handler.file.file  # the temporary file itself
    write = disk.write
    disk.write = lambda block: written.append(len(block)) or write(block)
    for start in range(0, len(data), chunk):
        handler.receive_data_chunk(data[start : start + chunk], start)
    return handler.file_complete(len(data)), sum(written)


def test_no_more_than_the_cap_of_a_file_is_ever_written():
    handler = uploads.CappedUploadHandler(RequestFactory().post("/"))
    size = uploads.MAX_BYTES + 3 * 1024 * 1024
    result, written = receive(handler, b"\x00" * size)
    assert written <= uploads.MAX_BYTES
    assert isinstance(result, uploads.OversizedUpload)
    assert (result.name, result.size) == ("big.png", size)


def test_a_file_within_the_cap_is_kept_whole_under_a_short_temporary_name():
    handler = uploads.CappedUploadHandler(RequestFactory().post("/"))
    data = os.urandom(300_000)
    result, written = receive(handler, data, name="photo." + "x" * 300)
    assert written == len(data)
    assert result.read() == data
    assert len(os.path.basename(result.temporary_file_path())) < 100
    result.close()


def test_an_oversized_file_is_refused_for_its_size_before_anything_else():
    with pytest.raises(ValidationError, match="larger than 15 MB"):
        uploads.clean_upload(uploads.OversizedUpload("x.png", uploads.MAX_BYTES + 1))


@pytest.mark.parametrize(
    ("size", "refused"),
    [((2000, 100), False), ((2001, 100), True), ((100, 2001), True), ((1, 1), False)],
)
def test_the_aspect_ratio_cap(size, refused):
    if refused:
        with pytest.raises(ValidationError, match="too long and thin"):
            uploads.clean_upload(io.BytesIO(png(size)))
    else:
        assert uploads.clean_upload(io.BytesIO(png(size))).name.endswith(".png")


def test_the_frame_cap():
    assert uploads.clean_upload(io.BytesIO(gif_of(uploads.MAX_FRAMES))).name.endswith(".png")
    with pytest.raises(ValidationError, match="too many frames"):
        uploads.clean_upload(io.BytesIO(gif_of(uploads.MAX_FRAMES + 1)))
