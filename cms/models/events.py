"""Events (活动): roadshows, competitions and others, with time, place and sign-up link."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.search import index

from cms.models.base import ContentPage, paginate
from cms.models.news import RICH_TEXT_FEATURES


def upcoming(now) -> Q:
    """Not over yet: it ends (or, without an end, starts) at or after ``now``."""
    return Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now)


class EventKind(models.TextChoices):
    ROADSHOW = "roadshow", _("路演")
    COMPETITION = "competition", _("大赛")
    OTHER = "other", _("其他活动")


class EventIndexPage(ContentPage):
    """活动列表: upcoming events soonest first, then past events newest first."""

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.EventPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("活动列表页")

    def events(self):
        return EventPage.objects.live().public().child_of(self).select_related("image")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        events = self.events()
        context["upcoming_events"] = events.filter(upcoming(now)).order_by("starts_at", "pk")
        context["past_events"] = paginate(
            request, events.exclude(upcoming(now)).order_by("-starts_at", "-pk")
        )
        return context


class EventPage(ContentPage):
    """活动: a roadshow (路演), a competition (大赛) or another event."""

    kind = models.CharField(
        _("活动类型"), max_length=20, choices=EventKind.choices, default=EventKind.ROADSHOW
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200)
    registration_url = models.URLField(_("报名链接"), blank=True)
    registration_deadline = models.DateTimeField(_("报名截止时间"), null=True, blank=True)
    body = RichTextField(_("活动介绍"), features=RICH_TEXT_FEATURES)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("配图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = ContentPage.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("starts_at"),
                FieldPanel("ends_at"),
                FieldPanel("place"),
                FieldPanel("registration_url"),
                FieldPanel("registration_deadline"),
            ],
            heading=_("时间、地点与报名"),
        ),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = ContentPage.search_fields + [
        index.SearchField("place"),
        index.SearchField("body"),
        index.FilterField("kind"),
        index.FilterField("starts_at"),
    ]
    parent_page_types = ["cms.EventIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("活动")

    def clean(self) -> None:
        super().clean()
        if self.ends_at and self.starts_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("结束时间不能早于开始时间。")})

    def search_texts(self) -> list[str]:
        return [*super().search_texts(), self.get_kind_display(), self.place, self.body]

    def is_upcoming(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.ends_at or self.starts_at) >= now

    def registration_open(self, now=None) -> bool:
        """A sign-up link is offered until the deadline (or the start when there is none)."""
        now = now or timezone.now()
        closes = self.registration_deadline or self.starts_at
        return bool(self.registration_url) and closes >= now
