"""Wagtail images on content pages are served from MEDIA_ROOT, and nothing else is."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.http import Http404
from django.test import RequestFactory

from cms.views import serve_image
from tests.cms.conftest import image, news

pytestmark = pytest.mark.django_db


def served(path: str):
    return serve_image(RequestFactory().get(f"/media/{path}"), path)


def test_an_original_and_its_rendition_are_served_with_safe_headers():
    picture = image()
    rendition = picture.get_rendition("fill-32x20")
    for path in (picture.file.name, rendition.file.name):
        response = served(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "path",
    [
        "original_images/not-an-image-row.png",
        "listing-files/secret.pdf",
        "images/../listing-files/secret.pdf",
        "original_images/../../etc/passwd",
        "deal-files/a/b.png",
    ],
)
def test_files_that_are_not_wagtail_images_are_not_served(path):
    image()  # a real image exists, so only the path decides
    folder = Path(settings.MEDIA_ROOT) / "original_images"
    (folder / "not-an-image-row.png").write_bytes(b"\x89PNG not registered")
    with pytest.raises(Http404):
        served(path)


def test_a_news_picture_loads_from_the_address_on_the_page(client, news_index):
    """Needs config/urls.py to route media/images and media/original_images to cms.views."""
    page = news(news_index, image=image(description="路演现场"))
    body = client.get(page.url).content.decode()
    rendition = page.image.get_rendition("max-960x540")
    assert f'src="{rendition.url}"' in body
    response = client.get(rendition.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
