"""Demo content for the public site: home page, news, policies, events, about pages, menu.

Everything here was written for the demonstration and says so on the page (演示内容);
organisations, document numbers, dates and figures in it are made up. Safe to run twice:
a page is added only when its slug is free under its parent, the home page only when it
has no sections yet, and the menu only when the site has no settings row; nothing an
editor changed is overwritten.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms.models import (
    EventIndexPage,
    EventKind,
    EventPage,
    HomePage,
    NavigationSettings,
    NewsIndexPage,
    NewsPage,
    PolicyAttachment,
    PolicyIndexPage,
    PolicyPage,
    StandardPage,
)

DEMO_NOTE = "<p><b>演示内容：</b>本页为平台演示而编写，其中的单位、文号、日期和数字均为虚构。</p>"
DEMO_BODY = "示例区科学技术局（演示）"  # no real bureau is quoted in demo policies


@dataclass
class Added:
    pages: list[str] = field(default_factory=list)
    documents: int = 0
    images: int = 0
    home: bool = False
    navigation: bool = False

    def summary(self) -> str:
        parts = [f"{len(self.pages)} new content pages"]
        if self.home:
            parts.append("home page content")
        if self.documents:
            parts.append(f"{self.documents} documents")
        if self.images:
            parts.append(f"{self.images} images")
        if self.navigation:
            parts.append("navigation and footer settings")
        return ", ".join(parts)


def _publish(parent: Page, page: Page, added: Added) -> Page:
    """Add ``page`` under ``parent`` unless its slug is taken there; return the live one."""
    existing = parent.get_children().filter(slug=page.slug).first()
    if existing is not None:
        return existing.specific
    parent.add_child(instance=page)
    page.save_revision().publish()
    added.pages.append(page.url_path)
    return page


# --- files --------------------------------------------------------------------------------
def _banner(colours: tuple[str, str]) -> bytes:
    """A plain abstract banner (no text in it, so nothing is lost for screen readers)."""
    width, height = 1200, 675
    img = PILImage.new("RGB", (width, height), colours[0])
    draw = ImageDraw.Draw(img)
    for i in range(12):
        x = i * 110
        draw.ellipse((x - 80, height - 260 + (i % 3) * 40, x + 180, height + 60), fill=colours[1])
    draw.rectangle((80, 90, 560, 130), fill="#ffffff")
    draw.rectangle((80, 160, 420, 190), fill="#dceefb")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _image(title: str, description: str, colours: tuple[str, str], added: Added):
    Image = get_image_model()
    found = Image.objects.filter(title=title).first()
    if found:
        return found
    image = Image(title=title, description=description)
    image.file = ImageFile(io.BytesIO(_banner(colours)), name="demo-banner.png")
    image.save()
    added.images += 1
    return image


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of ASCII text (Chinese needs an embedded font)."""
    text = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -22 Td" for line in lines)
    stream = f"BT /F1 14 Tf 72 760 Td {text} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _document(title: str, filename: str, lines: list[str], added: Added):
    Document = get_document_model()
    found = Document.objects.filter(title=title).first()
    if found:
        return found
    document = Document(title=title)
    document.file = ContentFile(_pdf(lines), name=filename)
    document.save()
    added.documents += 1
    return document


# --- pages --------------------------------------------------------------------------------
def _home() -> HomePage:
    """The default site's home page (migration 0002 makes it; a flushed test database may not)."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None and isinstance(site.root_page.specific, HomePage):
        return site.root_page.specific
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="科创大市场", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "科创大市场"},
    )
    return home


def _home_content(home: HomePage, added: Added) -> None:
    if home.sections:
        return  # an editor (or an earlier run) has filled it
    district = settings.DISTRICT_NAME
    home.hero_subtitle = "科技成果与企业技术需求的对接平台"
    home.intro = (
        f"<p>汇聚高校、科研院所的科技成果和{district}企业的技术需求，"
        "提供成果发布、需求对接、揭榜挂帅、技术合同登记等服务。</p>"
    )
    home.seo_title = "科创大市场 · 科技成果转移转化服务平台"
    home.search_description = (
        "科创大市场：发布科技成果和企业技术需求，参与揭榜挂帅，办理技术合同登记（演示站点）。"
    )
    home.sections = [
        (
            "cards",
            {
                "heading": "我们能为您做什么",
                "cards": [
                    {
                        "title": "发布科技成果",
                        "text": "高校院所和企业登记成果，审核后向全网公开。",
                        "url": "/achievements/new/",
                    },
                    {
                        "title": "提出技术需求",
                        "text": "企业描述要解决的技术问题，系统推荐可对接的成果。",
                        "url": "/needs/new/",
                    },
                    {
                        "title": "揭榜挂帅",
                        "text": "企业出题、能者揭榜，专家评审、结果公示。",
                        "url": "/challenges/",
                    },
                    {
                        "title": "政策与活动",
                        "text": "科技成果转化政策解读、路演和创新大赛信息。",
                        "url": "/policies/",
                    },
                ],
            },
        ),
        (
            "call_to_action",
            {
                "title": "加入科创大市场",
                "text": "注册账号并加入您的单位，即可发布成果和需求、发起洽谈。",
                "button_label": "免费注册",
                "url": "/accounts/signup/",
            },
        ),
    ]
    home.save_revision().publish()
    added.home = True


def _news(home: HomePage, added: Added) -> None:
    index = _publish(
        home,
        NewsIndexPage(
            title="资讯",
            slug="news",
            summary="平台动态、成果转化案例和活动回顾。",
            search_description="科创大市场平台资讯：平台动态、成果转化案例和活动回顾。",
        ),
        added,
    )
    today = timezone.localdate()
    cover = _image(
        "演示配图：成果对接会现场（抽象示意）",
        "抽象示意图：蓝色背景上的圆形图案，代表成果对接会",
        ("#0b5cad", "#3b82c4"),
        added,
    )
    items = [
        NewsPage(
            title="科创大市场上线试运行",
            slug="platform-launch",
            date=today - dt.timedelta(days=3),
            summary="平台开通成果发布、需求发布、揭榜挂帅和技术合同登记四项服务（演示内容）。",
            image=cover,
            body=DEMO_NOTE
            + "<p>科创大市场今日上线试运行。高校院所可以在线发布科技成果，企业可以提出技术需求，"
            "平台按技术领域、关键词和成熟度为双方推荐对接对象。</p>"
            "<h2>四项服务</h2><ul><li>科技成果发布与检索</li><li>企业技术需求发布与智能匹配</li>"
            "<li>揭榜挂帅：企业出题、能者揭榜</li><li>技术合同网上登记与统计</li></ul>",
        ),
        NewsPage(
            title="新材料领域成果对接会举行",
            slug="materials-matchmaking",
            date=today - dt.timedelta(days=10),
            summary="12 项新材料成果与 20 余家企业面对面交流（演示内容）。",
            body=DEMO_NOTE
            + "<p>对接会上，来自高校的 12 项新材料成果进行了路演，20 余家企业的技术负责人到场交流，"
            "现场达成初步合作意向 5 项。</p>",
        ),
        NewsPage(
            title="技术合同登记服务指南发布",
            slug="contract-registration-guide",
            date=today - dt.timedelta(days=24),
            summary="技术合同登记的材料清单、办理流程和常见问题（演示内容）。",
            body=DEMO_NOTE
            + "<p>技术开发、技术转让、技术许可、技术咨询和技术服务合同可以申请认定登记。"
            "登记后的合同计入年度技术交易额统计。</p>"
            "<h2>办理流程</h2><ol><li>卖方在线填报合同信息并上传合同文本</li>"
            "<li>登记机构审核</li><li>审核通过后发放登记编号</li></ol>",
        ),
    ]
    for item in items:
        _publish(index, item, added)


def _policies(home: HomePage, added: Added) -> None:
    index = _publish(
        home,
        PolicyIndexPage(
            title="政策",
            slug="policies",
            summary="科技成果转化、技术交易和创新平台相关政策。",
            search_description="科技成果转化与技术交易政策文件及附件下载。",
        ),
        added,
    )
    today = timezone.localdate()
    items = [
        (
            PolicyPage(
                title="关于促进科技成果转移转化的若干措施（演示）",
                slug="tech-transfer-measures",
                issuing_body=DEMO_BODY,
                document_number="演科〔2025〕1号",
                issued_on=today - dt.timedelta(days=40),
                effective_on=today - dt.timedelta(days=30),
                summary="对技术交易双方给予奖励，支持建设概念验证中心（演示内容）。",
                body=DEMO_NOTE + "<h2>一、支持技术交易</h2>"
                "<p>对在本区登记的技术合同，按技术交易额给予卖方一定比例奖励。</p>"
                "<h2>二、支持概念验证</h2><p>支持高校院所与企业共建概念验证中心，开展中试熟化。</p>"
                "<h2>三、附则</h2><p>本措施自发布之日起施行。</p>",
            ),
            [("措施全文", "demo-tech-transfer-measures.pdf")],
        ),
        (
            PolicyPage(
                title="揭榜挂帅项目管理办法（演示）",
                slug="challenge-rules",
                issuing_body=DEMO_BODY,
                document_number="演科〔2025〕2号",
                issued_on=today - dt.timedelta(days=20),
                summary="榜单征集、发榜、揭榜、评审、公示和验收的程序（演示内容）。",
                body=DEMO_NOTE + "<p>企业提出关键核心技术需求，经审核后发榜；"
                "揭榜方提交方案，经专家评审和结果公示后确定。</p>",
            ),
            [
                ("管理办法全文", "demo-challenge-rules.pdf"),
                ("揭榜申报书模板", "demo-challenge-application-form.pdf"),
            ],
        ),
    ]
    for page, attachments in items:
        if index.get_children().filter(slug=page.slug).exists():
            continue
        for title, filename in attachments:
            document = _document(
                f"演示附件：{title}",
                filename,
                ["DEMO CONTENT - Kechuang Market", filename, "This file was made for the demo."],
                added,
            )
            page.attachments.add(PolicyAttachment(document=document, title=title))
        _publish(index, page, added)


def _events(home: HomePage, added: Added) -> None:
    index = _publish(
        home,
        EventIndexPage(
            title="活动",
            slug="events",
            summary="成果路演、创新大赛和对接活动。",
            search_description="科技成果路演、创新创业大赛和技术对接活动。",
        ),
        added,
    )
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    at_two = now.replace(hour=14)
    items = [
        EventPage(
            title="智能制造成果路演（第 1 期）",
            slug="roadshow-smart-manufacturing",
            kind=EventKind.ROADSHOW,
            starts_at=at_two + dt.timedelta(days=14),
            ends_at=at_two + dt.timedelta(days=14, hours=3),
            place="科创大市场路演厅（演示地址）",
            registration_url="https://example.com/demo-registration",
            registration_deadline=at_two + dt.timedelta(days=12),
            summary="8 个智能制造项目现场路演，企业和投资机构点评（演示内容）。",
            body=DEMO_NOTE + "<p>路演项目涵盖工业视觉检测、协作机器人和数字孪生等方向。</p>",
        ),
        EventPage(
            title="第二届创新挑战赛",
            slug="innovation-challenge-2",
            kind=EventKind.COMPETITION,
            starts_at=at_two + dt.timedelta(days=45),
            ends_at=at_two + dt.timedelta(days=46, hours=4),
            place="线上初赛 + 线下决赛（演示地址）",
            registration_url="https://example.com/demo-competition",
            summary="面向高校院所和科技型企业，设新材料、电子信息、生物医药三个赛道（演示内容）。",
            body=DEMO_NOTE + "<p>初赛线上评审，决赛现场答辩，获奖项目优先进入揭榜挂帅对接。</p>",
        ),
        EventPage(
            title="新材料成果对接会",
            slug="materials-matchmaking-event",
            kind=EventKind.OTHER,
            starts_at=at_two - dt.timedelta(days=10),
            ends_at=at_two - dt.timedelta(days=10) + dt.timedelta(hours=3),
            place="科创大市场一楼会议室（演示地址）",
            summary="高校新材料成果与企业面对面交流（演示内容）。",
            body=DEMO_NOTE + "<p>活动已结束，回顾见资讯栏目。</p>",
        ),
    ]
    for item in items:
        _publish(index, item, added)


def _about(home: HomePage, added: Added) -> None:
    about = _publish(
        home,
        StandardPage(
            title="关于我们",
            slug="about",
            summary="科创大市场是服务科技成果转移转化的公共平台（演示内容）。",
            search_description="关于科创大市场：平台定位、服务内容和联系方式。",
            body=[
                ("paragraph", DEMO_NOTE),
                ("heading", "平台定位"),
                (
                    "paragraph",
                    f"<p>科创大市场由{settings.DISTRICT_NAME}科技主管部门指导建设，"
                    "连接高校院所、企业、技术经纪人和评审专家，促进科技成果在本地转化落地。</p>",
                ),
                ("heading", "服务内容"),
                (
                    "paragraph",
                    "<ul><li>科技成果和技术需求发布、检索与匹配</li>"
                    "<li>揭榜挂帅榜单征集、评审与公示</li>"
                    "<li>技术合同登记与年度统计</li></ul>",
                ),
            ],
        ),
        added,
    )
    _publish(
        about,
        StandardPage(
            title="联系我们",
            slug="contact",
            summary="服务时间、地址和电话（演示内容）。",
            body=[
                ("paragraph", DEMO_NOTE),
                (
                    "paragraph",
                    "<p>服务时间：工作日 9:00–17:00</p><p>地址：科创大市场服务大厅（演示地址）</p>"
                    "<p>电子邮件：service@demo.local</p>",
                ),
            ],
        ),
        added,
    )


def _link(label: str, label_en: str, url: str) -> tuple[str, dict]:
    return ("link", {"label": label, "label_en": label_en, "url": url})


def _navigation(home: HomePage, added: Added) -> None:
    site = Site.objects.get(is_default_site=True)
    if NavigationSettings.objects.filter(site=site).exists():
        return
    NavigationSettings.objects.create(
        site=site,
        nav_links=[
            _link("成果", "Achievements", "/achievements/"),
            _link("需求", "Needs", "/needs/"),
            _link("揭榜挂帅", "Open Competition", "/challenges/"),
            _link("资讯", "News", "/news/"),
            _link("政策", "Policies", "/policies/"),
            _link("活动", "Events", "/events/"),
            _link("搜索", "Search", "/search/"),
        ],
        footer_text="科创大市场 · 科技成果转移转化服务平台",
        footer_text_en="Kechuang Market · Technology Transfer Service Platform",
        footer_note="演示数据来自公开的技术市场挂牌信息（2019–2020），仅供演示，不代表当前报价。"
        "资讯、政策和活动为演示内容。",
        footer_note_en="Demo data: public technology market listings (2019–2020), for "
        "demonstration only, not current prices. News, policies and events are demo content.",
        footer_links=[
            _link("关于我们", "About", "/about/"),
            _link("联系我们", "Contact", "/about/contact/"),
            _link("政策", "Policies", "/policies/"),
            _link("活动", "Events", "/events/"),
        ],
    )
    added.navigation = True


@transaction.atomic
def seed() -> Added:
    added = Added()
    home = _home()
    _home_content(home, added)
    _news(home, added)
    _policies(home, added)
    _events(home, added)
    _about(home, added)
    _navigation(home, added)
    return added
