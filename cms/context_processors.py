"""Template context for every page: the menu and footer (see cms.navigation)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from cms.navigation import site_chrome as build_site_chrome


def site_chrome(request: HttpRequest) -> dict:
    # Lazy: templates that never draw the menu (admin screens, e-mails) cost no query.
    return {"site_chrome": SimpleLazyObject(lambda: build_site_chrome(request))}
