"""The site's navigation and footer (导航与页脚), edited under Settings in the admin."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField

from cms.blocks import LinkBlock


@register_setting(icon="list-ul")
class NavigationSettings(BaseSiteSetting):
    """Main menu links and the footer of one site; empty fields fall back to the defaults.

    Labels have an English twin because the site speaks both (spec §11); a link without
    an English label shows the Chinese one.
    """

    nav_links = StreamField(
        [("link", LinkBlock())],
        verbose_name=_("主导航"),
        blank=True,
        help_text=_("留空时显示默认导航：成果、需求、揭榜挂帅、搜索。"),
    )
    footer_text = models.TextField(_("页脚文字"), max_length=300, blank=True)
    footer_text_en = models.TextField(_("页脚文字（英文）"), max_length=300, blank=True)
    footer_note = models.TextField(
        _("页脚说明"), max_length=300, blank=True, help_text=_("以较小字号显示在页脚文字之下。")
    )
    footer_note_en = models.TextField(_("页脚说明（英文）"), max_length=300, blank=True)
    footer_links = StreamField([("link", LinkBlock())], verbose_name=_("页脚链接"), blank=True)

    panels = [
        FieldPanel("nav_links"),
        MultiFieldPanel(
            [
                FieldPanel("footer_text"),
                FieldPanel("footer_text_en"),
                FieldPanel("footer_note"),
                FieldPanel("footer_note_en"),
                FieldPanel("footer_links"),
            ],
            heading=_("页脚"),
        ),
    ]

    class Meta:
        verbose_name = _("导航与页脚")
