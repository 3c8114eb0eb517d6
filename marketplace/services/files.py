"""Images and PDF attachments of listings (spec §3, §11).

Only members of the owning organisation add or remove files. Every upload is
checked by marketplace.uploads before it is stored, and stored under a random
name with the extension of what it really is. Thumbnails are made by a Celery
task enqueued after the commit; a broker that is down never fails the upload.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import PurePath
from typing import IO

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from lib.errors import DomainError, NotAllowed
from marketplace import permissions
from marketplace.models import Achievement, ListingAttachment, ListingImage, ListingStatus, Need
from marketplace.uploads import file_size, render_thumbnail, validate_image, validate_pdf

logger = logging.getLogger(__name__)

Listing = Achievement | Need
MAX_IMAGES = 8
MAX_ATTACHMENTS = 8
TITLE_MAX_LENGTH = ListingAttachment._meta.get_field("title").max_length


def _check_owner(by: User, listing: Listing | None) -> None:
    if listing is None or not permissions.can_edit(by, listing):
        raise NotAllowed(_("只有所属机构的成员可以操作该信息。"))


def _locked(listing: Listing) -> Listing:
    # Serialises concurrent uploads to one listing, so the count limit holds.
    return type(listing).objects.select_for_update().get(pk=listing.pk)


def _as_file(file: IO[bytes]) -> File:
    return file if isinstance(file, File) else File(file)


def _delete_after_commit(storage: Storage, names: list[str]) -> None:
    """Delete stored files once the row is gone for good (a rollback keeps them)."""

    def delete() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not delete stored file %s", name)

    transaction.on_commit(delete)


def enqueue_thumbnail(image_id: int) -> None:
    from marketplace.tasks import make_thumbnail

    try:
        make_thumbnail.delay(image_id)
    except Exception:  # noqa: BLE001 — broker or task failed: log, never fail the upload
        logger.exception("Could not make the thumbnail of listing image %s", image_id)


@transaction.atomic
def listing_add_image(
    *, listing: Listing, by: User, file: IO[bytes], alt_text: str = ""
) -> ListingImage:
    _check_owner(by, listing)
    locked = _locked(listing)
    if locked.status == ListingStatus.ARCHIVED:
        raise DomainError(_("已归档的信息不能修改。"))
    content_type = ContentType.objects.get_for_model(locked)
    count = ListingImage.objects.filter(content_type=content_type, object_id=locked.pk).count()
    if count >= MAX_IMAGES:
        raise DomainError(_("每条信息最多上传 %(n)d 张图片。") % {"n": MAX_IMAGES})
    extension = validate_image(file)
    image = ListingImage(content_type=content_type, object_id=locked.pk, alt_text=alt_text.strip())
    image.full_clean(exclude=["image", "thumbnail", "width", "height"])
    # The name given here only carries the true extension; upload_to randomises it.
    image.image.save(f"image.{extension}", _as_file(file), save=False)
    try:
        image.save()
    except Exception:
        image.image.storage.delete(image.image.name)
        raise
    transaction.on_commit(partial(enqueue_thumbnail, image.pk))
    return image


@transaction.atomic
def listing_add_attachment(
    *, listing: Listing, by: User, file: IO[bytes], title: str = ""
) -> ListingAttachment:
    _check_owner(by, listing)
    locked = _locked(listing)
    if locked.status == ListingStatus.ARCHIVED:
        raise DomainError(_("已归档的信息不能修改。"))
    content_type = ContentType.objects.get_for_model(locked)
    count = ListingAttachment.objects.filter(content_type=content_type, object_id=locked.pk).count()
    if count >= MAX_ATTACHMENTS:
        raise DomainError(_("每条信息最多上传 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS})
    validate_pdf(file)
    # The person's title, else the uploaded name as a label only (it never names the file).
    title = title.strip() or PurePath(getattr(file, "name", "") or "").stem.strip()
    attachment = ListingAttachment(
        content_type=content_type,
        object_id=locked.pk,
        title=(title or _("附件"))[:TITLE_MAX_LENGTH],
        size=file_size(file),
    )
    attachment.full_clean(exclude=["file"])
    _store_pdf(attachment, file)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def _store_pdf(attachment: ListingAttachment, file: IO[bytes]) -> None:
    field = attachment.file.field
    name = field.generate_filename(attachment, "attachment.pdf")
    # attachment_path() hands its random-name helper the bare ".pdf", whose
    # suffix is "" (a dot-file name), so the name comes back without one. The
    # media view types files by their extension: make sure the PDF has it.
    if not name.endswith(".pdf"):
        name += ".pdf"
    attachment.file = attachment.file.storage.save(
        name, _as_file(file), max_length=field.max_length
    )


@transaction.atomic
def listing_remove_image(*, image: ListingImage, by: User) -> None:
    _check_owner(by, image.listing)
    locked = ListingImage.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None:
        return  # already removed
    names = [n for n in (locked.image.name, locked.thumbnail.name) if n]
    storage = locked.image.storage
    locked.delete()
    _delete_after_commit(storage, names)


@transaction.atomic
def listing_remove_attachment(*, attachment: ListingAttachment, by: User) -> None:
    _check_owner(by, attachment.listing)
    locked = ListingAttachment.objects.select_for_update().filter(pk=attachment.pk).first()
    if locked is None:
        return  # already removed
    names = [locked.file.name] if locked.file.name else []
    storage = locked.file.storage
    locked.delete()
    _delete_after_commit(storage, names)


# --- the system ----------------------------------------------------------------------
def image_make_thumbnail(*, image: ListingImage) -> bool:
    """Make the ≤ 480×360 JPEG thumbnail of an image; False when there is nothing to do.

    Not atomic as a whole on purpose: decoding happens outside any transaction
    and only the final write locks the row. Storage errors (OSError) propagate
    so the task retries; a file that is gone or cannot be decoded is permanent,
    logged and skipped.
    """
    if image.thumbnail:
        return False
    try:
        with image.image.open("rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        logger.warning("Listing image %s has no stored file %s", image.pk, image.image.name)
        return False
    try:
        thumbnail = render_thumbnail(data)
    except ValidationError:
        logger.warning("Listing image %s could not be decoded for a thumbnail", image.pk)
        return False
    with transaction.atomic():
        locked = ListingImage.objects.select_for_update().filter(pk=image.pk).first()
        if locked is None or locked.thumbnail:
            return False  # removed meanwhile, or another worker was quicker
        locked.thumbnail.save("thumbnail.jpg", ContentFile(thumbnail), save=False)
        try:
            locked.save(update_fields=["thumbnail"])
        except Exception:
            locked.thumbnail.storage.delete(locked.thumbnail.name)
            raise
    image.thumbnail = locked.thumbnail.name
    return True
