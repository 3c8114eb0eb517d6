"""Wagtail pages: the home page now; news, policies and events with the public-site issue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from marketplace import selectors as marketplace_selectors


class HomePage(Page):
    """The site's home page (首页): an editable hero plus live marketplace figures."""

    hero_title = models.CharField(_("主标题"), max_length=80, default="科创大市场")
    hero_subtitle = models.CharField(
        _("副标题"), max_length=200, default="科技成果与企业技术需求的对接平台", blank=True
    )
    intro = RichTextField(_("简介"), blank=True, features=["bold", "italic", "link", "ol", "ul"])

    content_panels = Page.content_panels + [
        FieldPanel("hero_title"),
        FieldPanel("hero_subtitle"),
        FieldPanel("intro"),
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["figures"] = marketplace_selectors.listing_counts()
        context["latest_achievements"] = marketplace_selectors.published_achievements()[:6]
        context["latest_needs"] = marketplace_selectors.published_needs()[:6]
        return context
