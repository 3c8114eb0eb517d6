"""Serving uploaded listing files (spec §11): the only media server, in every mode.

Only files that belong to a listing image, thumbnail or attachment are served,
and only to people who may see that listing (a draft's files answer 404 like
the draft itself). Everything is sent with headers that stop a browser from
sniffing or running it.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from marketplace import permissions
from marketplace.models import ListingAttachment, ListingImage

# Folder → (model, field). The folders are those of the upload_to functions.
SERVED_FOLDERS = {
    "listing-images": (ListingImage, "image"),
    "listing-thumbs": (ListingImage, "thumbnail"),
    "listing-files": (ListingAttachment, "file"),
}
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
CONTENT_TYPES = {
    "listing-images": IMAGE_TYPES,
    "listing-thumbs": IMAGE_TYPES,
    "listing-files": {".pdf": "application/pdf"},
}
SAFETY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    "Cache-Control": "private, max-age=3600",
}


def _clean_path(path: str) -> str | None:
    """The path if it is a plain relative path inside a served folder, else None."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        return None
    if posixpath.normpath(path) != path:
        return None  # "..", ".", "//" or a trailing slash
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    if parts[0] not in SERVED_FOLDERS or len(parts) < 2:
        return None
    return path


@require_safe
def serve_media(request: HttpRequest, path: str) -> FileResponse:
    path = _clean_path(path)
    if path is None:
        raise Http404
    folder = path.split("/", 1)[0]
    content_type = CONTENT_TYPES[folder].get(posixpath.splitext(path)[1].lower())
    if content_type is None:
        raise Http404

    # Only a file a listing owns is served, and only to who may see that listing.
    model, field = SERVED_FOLDERS[folder]
    owner = model.objects.filter(**{field: path}).first()
    if owner is None:
        raise Http404
    listing = owner.listing
    if listing is None or not permissions.can_view(request.user, listing):
        raise Http404

    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / path).resolve()
    if not full.is_relative_to(root) or not full.is_file():
        raise Http404
    try:
        handle = full.open("rb")
    except OSError:
        raise Http404 from None

    if content_type == "application/pdf":
        response = FileResponse(handle, content_type=content_type, filename="attachment.pdf")
    else:
        response = FileResponse(handle, content_type=content_type)
        if "Content-Disposition" in response:
            del response["Content-Disposition"]
    for header, value in SAFETY_HEADERS.items():
        response[header] = value
    return response
