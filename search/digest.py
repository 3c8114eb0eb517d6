"""The daily digest (spec §5: new matching listings are e-mailed in a daily digest, and
shown in-site).

Once a day (Celery beat) every person gets at most one ``MatchDigest`` listing
the listings published since their last digest that

* match one of their saved searches (the search-box path, newest first), or
* match one of their organisation's own published listings: each newly
  published listing is matched once (``search.engine``), and the owners of
  the listings it matches well hear of it, unless they dismissed that match.

The digest is kept in the database (the in-site page ``/search/alerts/``)
and e-mailed once by ``search.tasks.email_digest``. One digest per person and
day (a unique constraint), and each window starts where the last one ended,
so running the task twice sends nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership
from search import engine, service
from search.backends import SearchUnavailable
from search.documents import DOCUMENT_TYPES
from search.models import MatchAlert, MatchDigest, MatchDismissal, SavedSearch

logger = logging.getLogger(__name__)

PERIOD = dt.timedelta(days=1)  # a first digest covers the last day
LOOKBACK = dt.timedelta(days=7)  # never further back (after an outage, or a quiet week)
MAX_PER_SEARCH = 20  # new results of one saved search in one digest
OWNER_MATCHES = 10  # matches of a new listing its owners' counterparts may hear of
OWNER_MIN_SCORE = 40.0  # …if they are at least this good (points out of 100)
SEARCH_PAGE = 100


@dataclass
class Alert:
    target_type: str
    target_id: int
    title: str
    url: str
    reason: str
    saved_search_id: int | None = None
    source_type: str = ""
    source_id: int | None = None
    source_title: str = ""


def _new_listings(since: dt.datetime, until: dt.datetime) -> dict[tuple[str, int], Any]:
    """Listings published in (since, until], by (type, id)."""
    out: dict[tuple[str, int], Any] = {}
    for name, doc_type in DOCUMENT_TYPES.items():
        rows = doc_type.public_queryset().filter(published_at__gt=since, published_at__lte=until)
        out.update({(name, obj.pk): obj for obj in rows})
    return out


def _search_hits(saved: SavedSearch, new: dict[tuple[str, int], Any], since: dt.datetime) -> list:
    """New listings the saved search finds: the newest results, as far as new listings go."""
    types = [saved.doc_type] if saved.doc_type else list(DOCUMENT_TYPES)
    candidates = sum(1 for (t, _id) in new if t in types)
    if not candidates:
        return []
    found = []
    pages = candidates // SEARCH_PAGE + 1
    for page in range(1, pages + 1):
        result = service.search(
            saved.query,
            type_filter=saved.doc_type or None,
            filters=saved.filters,
            sort="newest",
            page=page,
            page_size=SEARCH_PAGE,
        )
        for hit in result.hits:
            listing = new.get((hit.type, hit.id))
            if listing is not None and listing.published_at > since:
                found.append((hit.type, listing))
        if len(result.hits) < SEARCH_PAGE:
            break
    return found[:MAX_PER_SEARCH]


def _saved_search_alerts(
    users: set[int], new: dict, now: dt.datetime
) -> tuple[dict[int, list[Alert]], list[int]]:
    """Alerts per person from their saved searches, and the searches that were run."""
    alerts: dict[int, list[Alert]] = defaultdict(list)
    run: list[int] = []
    for saved in SavedSearch.objects.filter(user_id__in=list(users)).order_by("id"):
        since = max(saved.last_notified_at or saved.created_at, now - LOOKBACK)
        for type_name, listing in _search_hits(saved, new, since):
            alerts[saved.user_id].append(
                Alert(
                    target_type=type_name,
                    target_id=listing.pk,
                    title=listing.title,
                    url=listing.get_absolute_url(),
                    reason=_("符合您保存的搜索“%(q)s”") % {"q": saved.query},
                    saved_search_id=saved.pk,
                )
            )
        run.append(saved.pk)
    return alerts, run


def _owner_alerts(new: dict, windows: dict[int, dt.datetime]) -> dict[int, list[Alert]]:
    """Alerts for members of organisations whose published listings a new listing matches."""
    pairs: list[tuple[Any, Any, str, str]] = []  # (new listing, owner's listing, types)
    for (new_type, _id), listing in new.items():
        try:
            result = engine.matches_for(listing, limit=OWNER_MATCHES)
        except SearchUnavailable:
            logger.warning("Digest: no matches for %s %s", new_type, listing.pk, exc_info=True)
            continue
        for match in result.items:
            if match.score >= OWNER_MIN_SCORE and match.listing.organisation_id != (
                listing.organisation_id
            ):
                pairs.append((listing, match.listing, new_type, match.type))
    if not pairs:
        return {}
    dismissed = set(
        MatchDismissal.objects.filter(
            source_id__in={own.pk for _n, own, _nt, _ot in pairs}
        ).values_list("source_type", "source_id", "target_type", "target_id")
    )
    members: dict[int, set[int]] = defaultdict(set)
    for org_id, user_id in Membership.objects.filter(
        organisation_id__in={own.organisation_id for _n, own, _nt, _ot in pairs},
        user__is_active=True,
    ).values_list("organisation_id", "user_id"):
        members[org_id].add(user_id)
    alerts: dict[int, list[Alert]] = defaultdict(list)
    for listing, own, new_type, own_type in pairs:
        if (own_type, own.pk, new_type, listing.pk) in dismissed:
            continue
        for user_id in members[own.organisation_id]:
            if listing.published_at <= windows[user_id]:
                continue  # published before this person's last digest
            alerts[user_id].append(
                Alert(
                    target_type=new_type,
                    target_id=listing.pk,
                    title=listing.title,
                    url=listing.get_absolute_url(),
                    reason=_("与您发布的“%(title)s”相匹配") % {"title": own.title[:60]},
                    source_type=own_type,
                    source_id=own.pk,
                    source_title=own.title[:255],
                )
            )
    return alerts


def _since_per_user(now: dt.datetime) -> dict[int, dt.datetime]:
    """Where each person's next digest starts: the end of their last one (within LOOKBACK)."""
    ends = MatchDigest.objects.filter(period_end__gt=now - LOOKBACK).values("user_id")
    return dict(ends.annotate(end=Max("period_end")).values_list("user_id", "end"))


def digest_build(*, now: dt.datetime | None = None) -> list[int]:
    """Make today's digests; returns the ids of those made (each is e-mailed once, later)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    done_today = set(MatchDigest.objects.filter(day=day).values_list("user_id", flat=True))
    last_end = _since_per_user(now)
    default_since = now - PERIOD
    new = _new_listings(now - LOOKBACK, now)

    searchers = set(
        SavedSearch.objects.filter(user__is_active=True)
        .exclude(user_id__in=done_today)
        .values_list("user_id", flat=True)
    )
    by_search, searches_run = _saved_search_alerts(searchers, new, now)
    # Owners hear of listings published after their own last digest (or the last day).
    windows: dict[int, dt.datetime] = defaultdict(lambda: default_since, last_end)
    oldest = min([*last_end.values(), default_since])
    by_owner = _owner_alerts({k: v for k, v in new.items() if v.published_at > oldest}, windows)

    made: list[int] = []
    for user_id in sorted((set(by_search) | set(by_owner)) - done_today):
        alerts = _dedupe(by_search.get(user_id, []) + by_owner.get(user_id, []))
        if not alerts:
            continue
        digest_id = _store(user_id, day, windows[user_id], now, alerts)
        if digest_id is not None:
            made.append(digest_id)
    SavedSearch.objects.filter(pk__in=searches_run).exclude(user_id__in=done_today).update(
        last_notified_at=now
    )
    return made


def _dedupe(alerts: list[Alert]) -> list[Alert]:
    """A listing appears once per digest, with the first reason found (saved searches first)."""
    seen: set[tuple[str, int]] = set()
    out = []
    for alert in alerts:
        key = (alert.target_type, alert.target_id)
        if key not in seen:
            seen.add(key)
            out.append(alert)
    return out


def _store(
    user_id: int, day: dt.date, since: dt.datetime, now: dt.datetime, alerts: list[Alert]
) -> int | None:
    try:
        with transaction.atomic():
            digest = MatchDigest.objects.create(
                user_id=user_id, day=day, period_start=since, period_end=now
            )
            MatchAlert.objects.bulk_create(
                [
                    MatchAlert(
                        digest=digest,
                        saved_search_id=a.saved_search_id,
                        source_type=a.source_type,
                        source_id=a.source_id,
                        source_title=a.source_title,
                        reason=a.reason[:255],
                        target_type=a.target_type,
                        target_id=a.target_id,
                        title=a.title[:255],
                        url=a.url,
                    )
                    for a in alerts
                ]
            )
            transaction.on_commit(partial(enqueue_email, digest.pk))
    except IntegrityError:  # another run made today's digest for this person first
        return None
    return digest.pk


def enqueue_email(digest_id: int) -> None:
    from search.tasks import email_digest

    try:
        email_digest.delay(digest_id)
    except Exception:  # noqa: BLE001 — broker down: the digest is in-site; the next run retries
        logger.exception("Could not enqueue the e-mail of digest %s", digest_id)


def digest_email(*, digest_id: int) -> bool:
    """E-mail one digest if it has not been e-mailed yet; True if it was sent now."""
    with transaction.atomic():
        digest = (
            MatchDigest.objects.select_for_update()
            .select_related("user")
            .filter(pk=digest_id, emailed_at__isnull=True)
            .first()
        )
        if digest is None or not digest.user.email or not digest.user.is_active:
            return False
        alerts = list(digest.alerts.order_by("id"))
        count = len(alerts)
        subject = ngettext(
            "每日匹配摘要：%(n)s 条新信息", "每日匹配摘要：%(n)s 条新信息", count
        ) % {"n": count}
        body = render_to_string(
            "search/email/digest.txt",
            {"digest": digest, "alerts": alerts, "site_url": settings.SITE_URL},
        )
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            message=body,
            from_email=None,
            recipient_list=[digest.user.email],
        )
        digest.emailed_at = timezone.now()
        digest.save(update_fields=["emailed_at"])
    return True


def digests_unsent() -> list[int]:
    """Digests still waiting for their e-mail (the broker was down when they were made)."""
    return list(MatchDigest.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True))
