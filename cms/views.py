"""Serving the site's Wagtail images (news pictures, hero images) from MEDIA_ROOT.

The site has no open media folder: marketplace serves listing files only to who may see
them (marketplace/views/files.py). Wagtail images are public content, but only a file
that is an image's original or one of its renditions is served, with the same headers
that stop a browser from sniffing or running it.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe
from wagtail.images import get_image_model

# Folders of Wagtail's default upload paths → which rows own the files in them.
IMAGE_FOLDERS = ("original_images", "images")
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
}
SAFETY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    # A rendition's name carries its filter and a hash of the focal point: safe to keep.
    "Cache-Control": "public, max-age=86400",
}


def _owned(path: str) -> bool:
    Image = get_image_model()
    if path.startswith("original_images/"):
        return Image.objects.filter(file=path).exists()
    return Image.get_rendition_model().objects.filter(file=path).exists()


@require_safe
def serve_image(request: HttpRequest, path: str) -> FileResponse:
    if "\\" in path or "\x00" in path or posixpath.normpath(path) != path:
        raise Http404
    parts = path.split("/")
    if len(parts) != 2 or parts[0] not in IMAGE_FOLDERS or parts[1] in ("", ".", ".."):
        raise Http404
    content_type = IMAGE_TYPES.get(posixpath.splitext(path)[1].lower())
    if content_type is None or not _owned(path):
        raise Http404
    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / path).resolve()
    if not full.is_relative_to(root) or not full.is_file():
        raise Http404
    response = FileResponse(full.open("rb"), content_type=content_type)
    for header, value in SAFETY_HEADERS.items():
        response[header] = value
    return response
