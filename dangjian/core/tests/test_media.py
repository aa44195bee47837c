"""/media/ in the embedded mode (core/views_media.py): the portal's images are served; private
uploads, paths outside MEDIA_ROOT and directories are not."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage

pytestmark = pytest.mark.django_db


@pytest.fixture
def image():
    from wagtail.images.models import Image
    from wagtail.models import Collection

    # a transaction=True test earlier in this worker may have flushed the root collection that
    # Wagtail's migration creates (do_setup_portal restores it the same way)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")

    buf = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    return Image.objects.create(title="照片", file=ImageFile(buf, name="photo.png"))


def test_an_uploaded_image_and_its_rendition_are_served(client, image):
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert "sandbox" in response["Content-Security-Policy"]
    with image.file.open("rb") as fh:
        assert b"".join(response.streaming_content) == fh.read()
    rendition = image.get_rendition("max-32x32")
    assert rendition.url.startswith("/media/images/")
    assert client.get(rendition.url).status_code == 200


def test_not_modified_since(client, image):
    first = client.get(image.file.url)
    again = client.get(image.file.url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


@pytest.mark.parametrize("name", [
    "opinions/2026/12/photo.jpg",            # opinion photos (case handlers only)
    "development/7/0a1b-letter.pdf",         # the development pipeline's documents
    "lifecycle/evidence/3/0a1b2c.pdf",       # status-change evidence
    "orglife/photos/2026/12/meeting.jpg",    # organizational-life photos and materials
    "documents/report.pdf",                  # Wagtail documents (their own checked view)
])
def test_private_uploads_are_not_served(client, name):
    stored = default_storage.save(name, ContentFile(b"private"))
    assert default_storage.exists(stored)
    assert client.get("/media/" + stored).status_code == 404


@pytest.mark.parametrize("path", [
    "/media/images/../opinions/2026/12/photo.jpg",
    "/media/images/..%2f..%2fvar/secret_key",
    "/media/%2e%2e/var/secret_key",
    "/media//etc/passwd",
    "/media/images/%00.png",
    "/media/images/..\\..\\settings.py",
])
def test_paths_out_of_the_public_folders_are_refused(client, image, path):
    default_storage.save("opinions/2026/12/photo.jpg", ContentFile(b"private"))
    assert client.get(path).status_code == 404


def test_a_symbolic_link_out_of_the_public_folder_is_refused(client, image, settings):
    private = default_storage.save("opinions/2026/12/photo.jpg", ContentFile(b"private"))
    os.makedirs(os.path.join(settings.MEDIA_ROOT, "images"), exist_ok=True)
    os.symlink(os.path.join(settings.MEDIA_ROOT, private), os.path.join(settings.MEDIA_ROOT, "images", "leak.jpg"))
    assert client.get("/media/images/leak.jpg").status_code == 404


def test_no_directory_listing(client, image):
    assert client.get("/media/original_images/").status_code == 404
    assert client.get("/media/images").status_code == 404


def test_off_when_media_serve_is_off(client, image, settings):
    settings.MEDIA_SERVE = False
    assert client.get(image.file.url).status_code == 404


def test_only_reads(client, image):
    assert client.post(image.file.url).status_code == 405
