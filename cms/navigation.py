"""The menu and footer every page shows: the site's settings, or defaults when unset."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import DisallowedHost
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cms.models import NavigationSettings

# The menu before anyone edits it (the paths are the public interface of spec §10).
DEFAULT_NAV = [
    (_("成果"), "/achievements/"),
    (_("需求"), "/needs/"),
    (_("揭榜挂帅"), "/challenges/"),
    (_("搜索"), "/search/"),
]
DEFAULT_FOOTER_TEXT = _("科创大市场 · 科技成果转移转化服务平台")


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool = False

    @property
    def external(self) -> bool:
        return not self.url.startswith("/")


@dataclass(frozen=True)
class SiteChrome:
    """What base.html draws around every page."""

    nav: list[Link]
    footer_text: str
    footer_note: str = ""
    footer_links: list[Link] = field(default_factory=list)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _is_current(url: str, path: str) -> bool:
    """The menu entry of the section a page is in: /news/2025/x/ is under /news/."""
    if url == "/" or not url.startswith("/"):
        return url == path
    return path == url or path.startswith(url.rstrip("/") + "/")


def _links(stream, path: str) -> list[Link]:
    english = _english()
    return [
        Link(
            label=(english and block.value.get("label_en")) or block.value["label"],
            url=block.value["url"],
            current=_is_current(block.value["url"], path),
        )
        for block in stream
    ]


def settings_for(request: HttpRequest) -> NavigationSettings | None:
    """This site's settings in one query (the site lookup and the settings row together).

    Wagtail's own ``for_request`` costs a query for the site and another for the row;
    every page draws the menu (spec §11: bounded queries per page), so here it is one.
    A Wagtail page has found its site already; any other page uses the site of its
    host name, else the default site.
    """
    rows = NavigationSettings.objects.all()
    site = getattr(request, "_wagtail_site", None)
    if site is not None:
        return rows.filter(site_id=site.pk).first()
    try:
        hostname = request.get_host().rsplit(":", 1)[0].lower()
    except DisallowedHost:
        hostname = ""
    own_host_first = Case(
        When(site__hostname=hostname, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        rows.filter(Q(site__hostname=hostname) | Q(site__is_default_site=True))
        .order_by(own_host_first)
        .first()
    )


def site_chrome(request: HttpRequest) -> SiteChrome:
    path = request.path
    english = _english()
    saved = settings_for(request)
    nav = _links(saved.nav_links, path) if saved and saved.nav_links else []
    if not nav:
        nav = [Link(str(label), url, _is_current(url, path)) for label, url in DEFAULT_NAV]
    if saved is None:
        return SiteChrome(nav=nav, footer_text=str(DEFAULT_FOOTER_TEXT))
    return SiteChrome(
        nav=nav,
        footer_text=(english and saved.footer_text_en)
        or saved.footer_text
        or str(DEFAULT_FOOTER_TEXT),
        footer_note=(english and saved.footer_note_en) or saved.footer_note,
        footer_links=_links(saved.footer_links, path),
    )
