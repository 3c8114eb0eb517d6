"""Wagtail pages and site settings, one module per page family."""

from cms.models.events import EventIndexPage, EventKind, EventPage
from cms.models.home import HomePage
from cms.models.navigation import NavigationSettings
from cms.models.news import NewsIndexPage, NewsPage
from cms.models.policies import PolicyAttachment, PolicyIndexPage, PolicyPage
from cms.models.standard import StandardPage

__all__ = [
    "EventIndexPage",
    "EventKind",
    "EventPage",
    "HomePage",
    "NavigationSettings",
    "NewsIndexPage",
    "NewsPage",
    "PolicyAttachment",
    "PolicyIndexPage",
    "PolicyPage",
    "StandardPage",
]
