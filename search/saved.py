"""Saved searches (spec §5): a signed-in person keeps a search; new results reach them daily.

Services (create, delete) check who asks; selectors read what a person owns.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from lib import text
from lib.errors import DomainError, NotAllowed
from search.documents import DOCUMENT_TYPES
from search.models import MatchAlert, SavedSearch
from search.service import clean_filters

MAX_SAVED_SEARCHES = 20
MAX_QUERY_LENGTH = text.MAX_QUERY_LENGTH


@transaction.atomic
def saved_search_create(
    *, user: User, query: str, doc_type: str = "", filters: dict[str, str] | None = None
) -> SavedSearch:
    """Keep this search; saving the same search again returns the one already kept."""
    if not user.is_authenticated:
        raise NotAllowed(_("请先登录。"))
    query = text.clean(query)
    if not query:
        raise DomainError(_("请输入要保存的关键词。"))
    if len(query) > MAX_QUERY_LENGTH:
        raise DomainError(_("关键词过长，最多 %(n)s 个字符。") % {"n": MAX_QUERY_LENGTH})
    if doc_type and doc_type not in DOCUMENT_TYPES:
        raise DomainError(_("未知的信息类型。"))
    filters = dict(sorted(clean_filters(filters).items()))
    existing = SavedSearch.objects.filter(
        user=user, query=query, doc_type=doc_type, filters=filters
    ).first()
    if existing is not None:
        return existing
    # Row lock on the person: two quick clicks cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise DomainError(
            _("最多保存 %(n)s 个搜索，请先删除不再需要的。") % {"n": MAX_SAVED_SEARCHES}
        )
    # From now on: the first digest tells what is published after saving.
    return SavedSearch.objects.create(
        user=user, query=query, doc_type=doc_type, filters=filters, last_notified_at=timezone.now()
    )


@transaction.atomic
def saved_search_delete(*, saved: SavedSearch, by: User) -> None:
    if saved.user_id != by.pk:
        raise NotAllowed(_("只能删除自己保存的搜索。"))
    saved.delete()


def saved_searches_of(user: User) -> QuerySet[SavedSearch]:
    if not user.is_authenticated:
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(user=user).order_by("-created_at", "-id")


def alerts_of(user: User) -> QuerySet[MatchAlert]:
    """The person's digest entries, newest digest first (the in-site copy of the e-mails)."""
    if not user.is_authenticated:
        return MatchAlert.objects.none()
    return (
        MatchAlert.objects.filter(digest__user=user)
        .select_related("digest", "saved_search")
        .order_by("-digest__day", "-digest__id", "id")
    )
