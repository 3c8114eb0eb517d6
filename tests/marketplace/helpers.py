"""Builders for listing-page tests: published listings with code-list values, modes and IP.

They wrap ``tests.factories`` and add what the public pages show: a publication
time, a technology field (default none), cooperation modes and IP items.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import Organisation
from marketplace.models import (
    Achievement,
    CooperationMode,
    IPItem,
    IPType,
    ListingAttachment,
    ListingImage,
    MaturityStage,
    Need,
    TechField,
)
from tests import factories

_minutes = itertools.count(1)
BASE_TIME = timezone.now() - dt.timedelta(days=30)


def field(name: str) -> TechField:
    """A top-level national field, e.g. ``field("新材料及其应用")``."""
    return TechField.objects.get(name=name, parent=None)


def subfield(parent: str) -> TechField:
    """Some subfield of a national field."""
    return TechField.objects.filter(parent__name=parent, parent__parent=None).first()


def mode(code: str) -> CooperationMode:
    return CooperationMode.objects.get(code=code)


def stage(name: str) -> MaturityStage:
    return MaturityStage.objects.get(name=name)


def _published_at(extra: dict) -> None:
    # Each listing is published a minute after the previous one: "newest" is the last made.
    extra.setdefault("published_at", BASE_TIME + dt.timedelta(minutes=next(_minutes)))
    extra.setdefault("tech_field", None)


def achievement(
    org: Organisation,
    *,
    modes: tuple[str, ...] = (),
    ip: tuple[tuple[str, str], ...] = (),
    **extra,
) -> Achievement:
    """A published achievement; ``ip`` is ``(ip_type_code, number)`` pairs."""
    _published_at(extra)
    listing = factories.achievement(org, **extra)
    if modes:
        listing.cooperation_modes.set([mode(code) for code in modes])
    for code, number in ip:
        IPItem.objects.create(
            achievement=listing,
            ip_type=IPType.objects.get(code=code),
            number=number,
            status=IPItem.Status.GRANTED,
        )
    return listing


def need(org: Organisation, *, modes: tuple[str, ...] = (), **extra) -> Need:
    _published_at(extra)
    listing = factories.need(org, **extra)
    if modes:
        listing.cooperation_modes.set([mode(code) for code in modes])
    return listing


def image(listing, *, name: str, alt_text: str = "", thumbnail: str = "") -> ListingImage:
    """An image row pointing at a stored name (dimensions given, so no file is opened)."""
    return ListingImage.objects.create(
        content_type=ContentType.objects.get_for_model(listing),
        object_id=listing.pk,
        image=name,
        width=640,
        height=480,
        thumbnail=thumbnail,
        alt_text=alt_text,
    )


def attachment(listing, *, name: str, title: str) -> ListingAttachment:
    return ListingAttachment.objects.create(
        content_type=ContentType.objects.get_for_model(listing),
        object_id=listing.pk,
        file=name,
        title=title,
        size=204800,
    )
