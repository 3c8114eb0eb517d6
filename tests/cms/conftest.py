"""Page-tree builders for the cms tests: every page is added under the real home page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms.models import (
    EventIndexPage,
    EventPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    PolicyAttachment,
    PolicyIndexPage,
    PolicyPage,
    StandardPage,
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Images, renditions and documents made by a test stay in the test's own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def home(db) -> HomePage:
    return Site.objects.get(is_default_site=True).root_page.specific


def publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def image(title: str = "测试图片", description: str = "") -> object:
    out = io.BytesIO()
    PILImage.new("RGB", (64, 40), "#0b5cad").save(out, format="PNG")
    img = get_image_model()(title=title, description=description)
    img.file = ImageFile(io.BytesIO(out.getvalue()), name="test.png")
    img.save()
    return img


def document(title: str = "测试附件", content: bytes = b"%PDF-1.4\n% test\n%%EOF\n") -> object:
    doc = get_document_model()(title=title)
    doc.file = ContentFile(content, name="policy.pdf")
    doc.save()
    return doc


@pytest.fixture
def news_index(home) -> NewsIndexPage:
    return publish(home, NewsIndexPage(title="资讯", slug="news", summary="平台动态"))


@pytest.fixture
def policy_index(home) -> PolicyIndexPage:
    return publish(home, PolicyIndexPage(title="政策", slug="policies"))


@pytest.fixture
def event_index(home) -> EventIndexPage:
    return publish(home, EventIndexPage(title="活动", slug="events"))


def news(index: NewsIndexPage, **values) -> NewsPage:
    values.setdefault("title", "平台上线试运行")
    values.setdefault("slug", f"news-{NewsPage.objects.count() + 1}")
    values.setdefault("date", dt.date(2025, 3, 1))
    values.setdefault("body", "<p>平台开通四项服务。</p>")
    return publish(index, NewsPage(**values))


def policy(index: PolicyIndexPage, *, attachments=(), **values) -> PolicyPage:
    values.setdefault("title", "关于促进科技成果转移转化的若干措施")
    values.setdefault("slug", f"policy-{PolicyPage.objects.count() + 1}")
    values.setdefault("issuing_body", "区科学技术局")
    values.setdefault("issued_on", dt.date(2025, 2, 1))
    values.setdefault("body", "<p>对技术交易给予奖励。</p>")
    page = PolicyPage(**values)
    for doc, title in attachments:
        page.attachments.add(PolicyAttachment(document=doc, title=title))
    return publish(index, page)


def event(index: EventIndexPage, **values) -> EventPage:
    start = timezone.now() + dt.timedelta(days=7)
    values.setdefault("title", "智能制造成果路演")
    values.setdefault("slug", f"event-{EventPage.objects.count() + 1}")
    values.setdefault("starts_at", start)
    values.setdefault("place", "路演厅")
    values.setdefault("body", "<p>八个项目现场路演。</p>")
    return publish(index, EventPage(**values))


def standard(parent: Page, **values) -> StandardPage:
    values.setdefault("title", "关于我们")
    values.setdefault("slug", "about")
    return publish(parent, StandardPage(**values))
