"""Who may use the bureau's admin screens: bureau staff, decided by their role, not by Django perms.

Bureau staff get Wagtail access from their group (accounts.services), but no model
permissions on marketplace data; the screens below ask ``is_bureau_staff`` instead,
so a person with the bureau role can use them and nobody else can, whatever
permissions a group may hand out.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.views.defaults import permission_denied
from wagtail.permission_policies import BasePermissionPolicy

from accounts.models import Role, User
from accounts.selectors import is_bureau_staff


class BureauStaffPermissionPolicy(BasePermissionPolicy):
    """Bureau staff may perform ``actions`` on the model; nobody else may do anything."""

    def __init__(self, model, actions: Iterable[str] = ("view", "add", "change")):
        super().__init__(model)
        self.actions = frozenset(actions)

    def user_has_permission(self, user: User, action: str) -> bool:
        return action in self.actions and is_bureau_staff(user)

    def user_has_any_permission(self, user: User, actions: Iterable[str]) -> bool:
        return bool(self.actions.intersection(actions)) and is_bureau_staff(user)

    def users_with_any_permission(self, actions: Iterable[str]) -> QuerySet[User]:
        if not self.actions.intersection(actions):
            return User.objects.none()
        return User.objects.filter(
            Q(is_superuser=True) | Q(memberships__role=Role.BUREAU_STAFF), is_active=True
        ).distinct()


class BureauStaffOnlyMixin:
    """First in a view's bases: anyone but bureau staff gets 403 before anything is loaded.

    Wagtail turns a raised PermissionDenied into a redirect to the dashboard; a staff-only
    page answers 403 instead (spec §10), and nothing after this check runs.
    """

    def dispatch(self, request, *args, **kwargs):
        if not is_bureau_staff(request.user):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)
