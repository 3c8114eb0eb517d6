"""Images and PDF attachments of listings, stored under random names (spec §11)."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


def _random_name(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"{folder}/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}{suffix}"


def image_path(instance, filename: str) -> str:
    return _random_name("listing-images", filename)


def thumbnail_path(instance, filename: str) -> str:
    return _random_name("listing-thumbs", filename)


def attachment_path(instance, filename: str) -> str:
    return _random_name("listing-files", "attachment.pdf")


class ListingImage(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    listing = GenericForeignKey("content_type", "object_id")
    image = models.ImageField(
        _("图片"), upload_to=image_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    thumbnail = models.ImageField(_("缩略图"), upload_to=thumbnail_path, blank=True)
    alt_text = models.CharField(_("图片说明"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("图片")
        verbose_name_plural = _("图片")
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class ListingAttachment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    listing = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    title = models.CharField(_("文件名称"), max_length=120)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.title
