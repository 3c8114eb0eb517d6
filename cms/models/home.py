"""The home page (首页): an editable hero and sections around live marketplace figures."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import HomeSectionsBlock
from cms.models.events import EventIndexPage, EventPage, upcoming
from cms.models.news import NewsIndexPage, NewsPage
from marketplace import dashboard, selectors_challenges
from marketplace import selectors as marketplace_selectors

LATEST_LISTINGS = 6
LATEST_CHALLENGES = 4
LATEST_NEWS = 3
UPCOMING_EVENTS = 3
HUNDRED = Decimal("100")


class HomePage(Page):
    """The site's home page (首页): an editable hero plus live marketplace figures."""

    hero_title = models.CharField(_("主标题"), max_length=80, default="科创大市场")
    hero_subtitle = models.CharField(
        _("副标题"), max_length=200, default="科技成果与企业技术需求的对接平台", blank=True
    )
    intro = RichTextField(_("简介"), blank=True, features=["bold", "italic", "link", "ol", "ul"])
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("主视觉图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("可选；图片的“描述”会作为替代文字。"),
    )
    sections = StreamField(
        HomeSectionsBlock(),
        verbose_name=_("页面栏目"),
        blank=True,
        help_text=_("显示在平台数据与最新信息之后的图文、卡片和行动号召。"),
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_subtitle"),
                FieldPanel("intro"),
                FieldPanel("hero_image"),
            ],
            heading=_("主视觉"),
        ),
        FieldPanel("sections"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("hero_title"),
        index.SearchField("hero_subtitle"),
        index.SearchField("intro"),
        index.SearchField("sections"),
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.NewsIndexPage",
        "cms.PolicyIndexPage",
        "cms.EventIndexPage",
        "cms.StandardPage",
    ]

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["figures"] = marketplace_selectors.listing_counts()
        context["open_challenges"] = selectors_challenges.open_challenge_count()
        context["progress"] = year_progress(timezone.localdate().year)
        context["latest_achievements"] = marketplace_selectors.published_achievements()[
            :LATEST_LISTINGS
        ]
        context["latest_needs"] = marketplace_selectors.published_needs()[:LATEST_LISTINGS]
        context["latest_challenges"] = selectors_challenges.published_challenges()[
            :LATEST_CHALLENGES
        ]
        # One look at the private sections for all the page lists below (``public()``
        # would ask again for each of them).
        private = Page.objects.all().private_q()
        context["latest_news"] = (
            NewsPage.objects.live().descendant_of(self).exclude(private).order_by("-date", "-pk")
        )[:LATEST_NEWS]
        context["upcoming_events"] = (
            EventPage.objects.live()
            .descendant_of(self)
            .exclude(private)
            .filter(upcoming(timezone.now()))
            .order_by("starts_at", "pk")
        )[:UPCOMING_EVENTS]
        sections = list(self.get_children().live().exclude(private))
        context["news_index"] = _first_of(sections, NewsIndexPage)
        context["event_index"] = _first_of(sections, EventIndexPage)
        return context


def _first_of(pages: list[Page], model: type[Page]) -> Page | None:
    return next((page for page in pages if page.specific_class is model), None)


def year_progress(year: int) -> dict:
    """This year's registered total against the target (spec §7), with the bar's fill.

    ``bar`` is the percentage capped at 100 for the progress element; the text shows the
    real percentage, which may pass 100 when the target is beaten.
    """
    progress = dashboard.public_progress(year)
    return {**progress, "bar": min(progress["percent"], HUNDRED)}
