"""The public achievement and need pages (spec §3, §5 facets, §10, §11).

Lists: every filter narrows the list, bad parameters are ignored, page links keep
the filters, and a page costs the same number of queries whatever its size.
Details: every field, the money format, disclosure, contact and confidential rules,
and nothing unescaped from what a publisher typed.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.validators import region_within
from marketplace.filters import district_prefix
from marketplace.models import Achievement, Disclosure, ListingStatus
from marketplace.services import listings as services
from marketplace.templatetags.money import money
from tests import factories
from tests.marketplace import helpers

pytestmark = pytest.mark.django_db

ACHIEVEMENTS = reverse("marketplace:achievement_list")
NEEDS = reverse("marketplace:need_list")
ROW_TITLE = re.compile(r'<h2 class="card-title"><a href="[^"]*">([^<]*)</a></h2>')


def titles(response) -> list[str]:
    """The titles of the rows on a list page, in page order."""
    assert response.status_code == 200
    return [html.unescape(t) for t in ROW_TITLE.findall(response.content.decode())]


@pytest.fixture
def org():
    return factories.organisation(kind="university")


# --- filters: achievements ------------------------------------------------------------
def test_field_filter_matches_the_national_field_and_its_subfields(client, org):
    top = helpers.field("新材料及其应用")
    helpers.achievement(org, title="顶层领域成果", tech_field=top)
    helpers.achievement(org, title="子领域成果", tech_field=helpers.subfield("新材料及其应用"))
    helpers.achievement(org, title="其他领域成果", tech_field=helpers.field("电子信息"))
    helpers.achievement(org, title="未填领域成果")

    shown = titles(client.get(ACHIEVEMENTS, {"field": top.pk}))

    assert sorted(shown) == ["子领域成果", "顶层领域成果"]


def test_trl_band_filter_keeps_achievements_inside_the_stage_range(client, org):
    for trl in (3, 4, 5, 6):
        helpers.achievement(org, title=f"TRL{trl}成果", trl=trl)
    helpers.achievement(org, title="未填TRL成果", trl=None)

    shown = titles(client.get(ACHIEVEMENTS, {"stage": helpers.stage("小试").pk}))

    assert sorted(shown) == ["TRL4成果", "TRL5成果"]


def test_cooperation_mode_filter_keeps_achievements_offering_that_mode(client, org):
    helpers.achievement(org, title="可转让", modes=("transfer", "license"))
    helpers.achievement(org, title="只许可", modes=("license",))
    helpers.achievement(org, title="未填方式")

    shown = titles(client.get(ACHIEVEMENTS, {"mode": helpers.mode("transfer").pk}))

    assert shown == ["可转让"]


@pytest.fixture
def priced(org):
    prices = {
        "面议成果": None,
        "五万": Decimal("50000.00"),
        "整十万": Decimal("100000.00"),
        "近五十万": Decimal("499999.99"),
        "六十万": Decimal("600000.00"),
        "整百万": Decimal("1000000.00"),
        "三百万": Decimal("3000000.00"),
    }
    for title, price in prices.items():
        helpers.achievement(org, title=title, price=price)


@pytest.mark.parametrize(
    "band, expected",
    [
        ("negotiable", ["面议成果"]),
        ("lt10", ["五万"]),
        ("10-50", ["整十万", "近五十万"]),
        ("50-100", ["六十万"]),
        ("gte100", ["整百万", "三百万"]),
    ],
)
def test_price_band_filter_puts_each_price_in_one_band(client, priced, band, expected):
    assert sorted(titles(client.get(ACHIEVEMENTS, {"money": band}))) == sorted(expected)


def test_organisation_type_filter(client, org):
    helpers.achievement(org, title="高校成果")
    helpers.achievement(factories.organisation(kind="enterprise"), title="企业成果")

    assert titles(client.get(ACHIEVEMENTS, {"org_kind": "enterprise"})) == ["企业成果"]
    assert titles(client.get(ACHIEVEMENTS, {"org_kind": "university"})) == ["高校成果"]


@pytest.fixture
def regions():
    codes = {
        "区内": settings.DISTRICT_CODE,
        "区内街道": settings.DISTRICT_CODE + "001",
        "同市别区": "330303",
        "市本级": "330300",
        "外省": "110101",
    }
    for title, code in codes.items():
        helpers.achievement(factories.organisation(region_code=code), title=title)
    return codes


def test_region_filter_separates_the_district_and_its_streets_from_the_rest(client, regions):
    inside = titles(client.get(ACHIEVEMENTS, {"region": "in"}))
    outside = titles(client.get(ACHIEVEMENTS, {"region": "out"}))

    assert sorted(inside) == ["区内", "区内街道"]
    assert sorted(outside) == ["同市别区", "外省", "市本级"]
    # The same rule as accounts.validators.region_within.
    assert {t for t, code in regions.items() if region_within(code, settings.DISTRICT_CODE)} == set(
        inside
    )


def test_district_prefix_follows_the_nesting_of_division_codes():
    assert district_prefix("330302") == "330302"
    assert district_prefix("330300") == "3303"
    assert district_prefix("330000") == "33"


def test_keyword_matches_title_summary_and_description_and_needs_every_word(client, org):
    helpers.achievement(org, title="石墨烯导热膜", summary="用于手机散热。")
    helpers.achievement(org, title="导热硅脂", summary="一种 Graphene 复合材料。")
    helpers.achievement(
        org, title="电池回收", summary="湿法冶金", description="<p>石墨烯负极再生</p>"
    )

    assert sorted(titles(client.get(ACHIEVEMENTS, {"q": "石墨烯"}))) == ["电池回收", "石墨烯导热膜"]
    assert titles(client.get(ACHIEVEMENTS, {"q": "graphene"})) == ["导热硅脂"]
    assert titles(client.get(ACHIEVEMENTS, {"q": "  石墨烯   散热 "})) == ["石墨烯导热膜"]


def test_filters_combine(client, org):
    material = helpers.field("新材料及其应用")
    helpers.achievement(org, title="都符合", tech_field=material, trl=6, modes=("transfer",))
    helpers.achievement(org, title="TRL不符", tech_field=material, trl=2, modes=("transfer",))
    helpers.achievement(org, title="方式不符", tech_field=material, trl=6, modes=("license",))

    params = {
        "field": material.pk,
        "stage": helpers.stage("中试").pk,
        "mode": helpers.mode("transfer").pk,
    }
    assert titles(client.get(ACHIEVEMENTS, params)) == ["都符合"]


# --- sorting ---------------------------------------------------------------------------
def test_achievements_sort_newest_first_by_default_and_by_views(client, org):
    helpers.achievement(org, title="旧的", view_count=50)
    helpers.achievement(org, title="中间", view_count=5)
    helpers.achievement(org, title="新的", view_count=10)

    assert titles(client.get(ACHIEVEMENTS)) == ["新的", "中间", "旧的"]
    assert titles(client.get(ACHIEVEMENTS, {"sort": "views"})) == ["旧的", "新的", "中间"]


def test_achievements_sort_by_price_both_ways_with_negotiable_last(client, org):
    helpers.achievement(org, title="面议", price=None)
    helpers.achievement(org, title="十万", price=Decimal("100000"))
    helpers.achievement(org, title="一百万", price=Decimal("1000000"))
    helpers.achievement(org, title="五千", price=Decimal("5000"))

    assert titles(client.get(ACHIEVEMENTS, {"sort": "price_desc"})) == [
        "一百万",
        "十万",
        "五千",
        "面议",
    ]
    assert titles(client.get(ACHIEVEMENTS, {"sort": "price_asc"})) == [
        "五千",
        "十万",
        "一百万",
        "面议",
    ]


def test_needs_sort_by_budget_both_ways_with_negotiable_last(client, org):
    helpers.need(org, title="面议")
    helpers.need(
        org, title="二十到八十万", budget_min=Decimal("200000"), budget_max=Decimal("800000")
    )
    helpers.need(org, title="三十万以内", budget_max=Decimal("300000"))
    helpers.need(org, title="五万起", budget_min=Decimal("50000"))

    assert titles(client.get(NEEDS, {"sort": "budget_desc"})) == [
        "二十到八十万",
        "三十万以内",
        "五万起",
        "面议",
    ]
    assert titles(client.get(NEEDS, {"sort": "budget_asc"})) == [
        "五万起",
        "二十到八十万",
        "三十万以内",
        "面议",
    ]


# --- filters: needs ---------------------------------------------------------------------
@pytest.fixture
def budgets(org):
    ranges = {
        "面议需求": (None, None),
        "八万以内": (None, Decimal("80000")),
        "二十到四十万": (Decimal("200000"), Decimal("400000")),
        "三十到七十万": (Decimal("300000"), Decimal("700000")),
        "两百万起": (Decimal("2000000"), None),
    }
    for title, (low, high) in ranges.items():
        helpers.need(org, title=title, budget_min=low, budget_max=high)


@pytest.mark.parametrize(
    "band, expected",
    [
        ("negotiable", ["面议需求"]),
        ("lt10", ["八万以内"]),
        ("10-50", ["二十到四十万", "三十到七十万"]),
        ("50-100", ["三十到七十万"]),
        ("gte100", ["两百万起"]),
    ],
)
def test_budget_band_filter_keeps_needs_whose_range_overlaps_the_band(
    client, budgets, band, expected
):
    assert sorted(titles(client.get(NEEDS, {"money": band}))) == sorted(expected)


def test_need_filters_by_field_mode_organisation_type_region_and_keyword(client):
    company = factories.organisation(kind="enterprise", region_code=settings.DISTRICT_CODE)
    elsewhere = factories.organisation(kind="institute", region_code="110101")
    material = helpers.field("新材料及其应用")
    helpers.need(
        company,
        title="区内企业材料需求",
        tech_field=helpers.subfield("新材料及其应用"),
        modes=("joint_development",),
        description="散热片导热不足",
        targets="导热系数≥5 W/mK",
    )
    helpers.need(elsewhere, title="区外院所需求", description="注塑件翘曲")

    def shown(**params):
        return titles(client.get(NEEDS, params))

    assert shown(field=material.pk) == ["区内企业材料需求"]
    assert shown(mode=helpers.mode("joint_development").pk) == ["区内企业材料需求"]
    assert shown(org_kind="institute") == ["区外院所需求"]
    assert shown(region="in") == ["区内企业材料需求"]
    assert shown(region="out") == ["区外院所需求"]
    assert shown(q="导热系数") == ["区内企业材料需求"]
    assert shown(q="翘曲") == ["区外院所需求"]


# --- bad parameters, counts, pagination ------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {"field": "abc"},
        {"field": "999999"},
        {"field": "99999999999999999999999999"},
        {"field": "-1"},
        {"field": "１"},
        {"stage": "0x10"},
        {"mode": "transfer"},
        {"money": "cheap"},
        {"org_kind": "alien"},
        {"region": "moon"},
        {"sort": "-id; drop table"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "99999999999999999999"},
        {"q": "\x00"},
        {"q": "x" * 5000},
    ],
)
@pytest.mark.parametrize("url", [ACHIEVEMENTS, NEEDS])
def test_invalid_parameters_are_ignored_not_errors(client, org, url, params):
    helpers.achievement(org, title="某成果")
    helpers.need(org, title="某需求")

    response = client.get(url, params)

    assert response.status_code == 200
    if "q" not in params:  # a long or odd keyword is still a keyword (it just finds nothing)
        assert len(titles(response)) == 1


def test_a_subfield_id_is_not_a_field_filter(client, org):
    helpers.achievement(org, title="某成果")
    response = client.get(ACHIEVEMENTS, {"field": helpers.subfield("电子信息").pk})
    assert titles(response) == ["某成果"]
    assert "部分筛选条件无效，已忽略。" in response.content.decode()


def test_active_filters_are_counted_with_a_clear_link(client, org):
    helpers.achievement(org, title="某成果", price=None)

    plain = client.get(ACHIEVEMENTS).content.decode()
    filtered = client.get(ACHIEVEMENTS, {"money": "negotiable", "region": "in", "sort": "views"})
    page = filtered.content.decode()

    assert "清除筛选" not in plain
    assert "已选 2 项筛选" in page  # sorting is not a filter
    assert f'<a class="filter-clear" href="{ACHIEVEMENTS}">清除筛选</a>' in page


def test_empty_result_says_so_and_offers_to_clear(client, org):
    helpers.achievement(org, title="某成果", price=None)
    page = client.get(ACHIEVEMENTS, {"money": "gte100"}).content.decode()
    assert "没有符合条件的结果。" in page and "清除筛选" in page

    empty = client.get(NEEDS).content.decode()
    assert "暂无已发布的需求。" in empty


def test_pagination_keeps_the_filters_in_page_links(client, org):
    material = helpers.field("新材料及其应用")
    for n in range(23):
        helpers.achievement(org, title=f"材料成果{n:02d}", tech_field=material)
    for n in range(5):
        helpers.achievement(org, title=f"电子成果{n}", tech_field=helpers.field("电子信息"))

    first = client.get(ACHIEVEMENTS, {"field": material.pk, "sort": "views", "stage": "bad"})
    links = [html.unescape(h) for h in re.findall(r'href="(\?[^"]*)"', first.content.decode())]
    next_link = next(link for link in links if "page=2" in link)
    second = client.get(ACHIEVEMENTS + next_link)

    assert len(titles(first)) == 20
    assert f"field={material.pk}" in next_link and "sort=views" in next_link
    assert "stage" not in next_link  # an ignored parameter is not carried on
    assert len(titles(second)) == 3
    assert all(t.startswith("材料成果") for t in titles(first) + titles(second))


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def _full_filters() -> dict:
    return {
        "field": helpers.field("新材料及其应用").pk,
        "mode": helpers.mode("transfer").pk,
        "org_kind": "university",
        "region": "in",
        "q": "材料",
    }


def test_achievement_list_runs_a_constant_number_of_queries_whatever_the_page_size(client, org):
    material = helpers.subfield("新材料及其应用")

    def add(count: int) -> None:
        for n in range(count):
            helpers.achievement(
                org,
                title=f"材料成果{n}",
                tech_field=material,
                industry=None,
                price=Decimal("120000") if n % 2 else None,
                modes=("transfer", "license", "equity"),
                ip=(("invention", f"ZL2020{n}"), ("software", f"2020SR{n}")),
            )

    add(3)
    small = _queries(client, ACHIEVEMENTS)
    small_filtered = _queries(client, ACHIEVEMENTS, _full_filters())
    add(22)  # 25 in all: a full page of 20 and a second page
    large = _queries(client, ACHIEVEMENTS)
    large_filtered = _queries(client, ACHIEVEMENTS, _full_filters())

    assert len(titles(client.get(ACHIEVEMENTS))) == 20
    assert small == large
    assert small_filtered == large_filtered
    assert large <= 9  # includes the site navigation settings (one query on every page)


def test_need_list_runs_a_constant_number_of_queries_whatever_the_page_size(client, org):
    material = helpers.subfield("新材料及其应用")

    def add(count: int) -> None:
        for n in range(count):
            helpers.need(
                org,
                title=f"材料需求{n}",
                tech_field=material,
                budget_min=Decimal("100000"),
                budget_max=Decimal("500000"),
                disclosure=Disclosure.ANONYMOUS if n % 2 else Disclosure.PUBLIC,
                modes=("transfer", "joint_development"),
            )

    add(3)
    small = _queries(client, NEEDS)
    small_filtered = _queries(client, NEEDS, _full_filters())
    add(22)
    large = _queries(client, NEEDS)
    large_filtered = _queries(client, NEEDS, _full_filters())

    assert small == large
    assert small_filtered == large_filtered
    assert large <= 9  # includes the site navigation settings (one query on every page)


def test_list_queries_stay_bounded_for_a_signed_in_user(
    client, personas, django_assert_max_num_queries
):
    for n in range(25):
        helpers.achievement(personas.organisation, modes=("transfer",), ip=(("invention", f"{n}"),))
    params = _full_filters()
    client.force_login(personas.outsider)
    with django_assert_max_num_queries(13):
        assert client.get(ACHIEVEMENTS, params).status_code == 200


# --- list rows ---------------------------------------------------------------------------
def test_achievement_row_shows_field_trl_price_organisation_modes_and_views(client, org):
    helpers.achievement(
        org,
        title="行展示成果",
        tech_field=helpers.field("电子信息"),
        trl=6,
        price=Decimal("1200000"),
        modes=("transfer", "equity"),
        view_count=321,
    )
    page = client.get(ACHIEVEMENTS).content.decode()

    assert "电子信息" in page
    assert "TRL 6（中试）" in page
    assert "¥1,200,000（120 万元）" in page
    assert org.name in page
    assert "技术转让、作价入股" in page
    assert "321" in page


def test_need_row_shows_the_budget_range_or_negotiable(client, org):
    helpers.need(org, title="有预算", budget_min=Decimal("100000"), budget_max=Decimal("500000"))
    helpers.need(org, title="面议预算")
    page = client.get(NEEDS).content.decode()

    assert "¥100,000（10 万元） – ¥500,000（50 万元）" in page
    assert "面议" in page


# --- disclosure ----------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_anonymous_need_hides_the_company_on_list_and_detail(client, personas, who):
    company = factories.organisation(kind="enterprise", name="保密的温州某某科技有限公司")
    hidden = helpers.need(company, title="匿名需求", disclosure=Disclosure.ANONYMOUS)
    if who == "outsider":
        client.force_login(personas.outsider)

    listing = client.get(NEEDS).content.decode()
    detail = client.get(hidden.get_absolute_url()).content.decode()

    for page in (listing, detail):
        assert "某企业" in page
        assert "保密的温州某某科技有限公司" not in page


def test_anonymous_need_shows_its_own_company_to_its_members(client):
    company = factories.organisation(kind="enterprise", name="温州某某科技有限公司")
    owner = factories.member(company, Role.ENTERPRISE_MEMBER)
    hidden = helpers.need(company, title="匿名需求", disclosure=Disclosure.ANONYMOUS)
    client.force_login(owner)

    page = client.get(hidden.get_absolute_url()).content.decode()

    assert "温州某某科技有限公司" in page and "对外显示为“某企业”" in page


def test_public_need_names_its_company(client):
    company = factories.organisation(kind="enterprise", name="公开的温州科技有限公司")
    shown = helpers.need(company, title="公开需求")
    assert "公开的温州科技有限公司" in client.get(NEEDS).content.decode()
    assert "公开的温州科技有限公司" in client.get(shown.get_absolute_url()).content.decode()


# --- contact and confidential detail -------------------------------------------------------
@pytest.fixture
def contactable(personas):
    return helpers.achievement(
        personas.organisation,
        title="有联系方式的成果",
        contact_name="王老师",
        contact_phone="0577-88886666",
        contact_email="wang@example.edu.cn",
        confidential_detail="烧结温度 850℃，保温 12 小时",
    )


def test_contact_is_hidden_from_anonymous_visitors_with_a_sign_in_prompt(client, contactable):
    page = client.get(contactable.get_absolute_url()).content.decode()
    assert "0577-88886666" not in page and "wang@example.edu.cn" not in page
    assert reverse("account_login") in page


def test_contact_is_hidden_from_users_of_unverified_organisations(client, contactable):
    client.force_login(factories.member(factories.organisation(verified=False)))
    page = client.get(contactable.get_absolute_url()).content.decode()
    assert "0577-88886666" not in page
    assert "通过科技局认证后即可查看" in page


def test_contact_is_shown_to_users_of_verified_organisations(client, personas, contactable):
    client.force_login(personas.outsider)
    page = client.get(contactable.get_absolute_url()).content.decode()
    assert "王老师" in page and "0577-88886666" in page and "wang@example.edu.cn" in page


def test_need_with_details_on_request_keeps_its_contact_for_inquiries(client, personas):
    company = factories.organisation(kind="enterprise")
    on_request = helpers.need(
        company, disclosure=Disclosure.ON_REQUEST, contact_phone="0577-12345678"
    )
    client.force_login(personas.outsider)
    page = client.get(on_request.get_absolute_url()).content.decode()
    assert "0577-12345678" not in page and "请提交合作意向" in page


@pytest.mark.parametrize(
    "who, sees", [("owner", True), ("colleague", True), ("staff", True), ("outsider", False)]
)
def test_confidential_detail_is_shown_only_inside(client, personas, contactable, who, sees):
    client.force_login(getattr(personas, who))
    page = client.get(contactable.get_absolute_url()).content.decode()
    assert ("烧结温度 850℃" in page) is sees


def test_anonymous_visitor_never_sees_confidential_detail(client, contactable):
    assert "烧结温度" not in client.get(contactable.get_absolute_url()).content.decode()


# --- detail content ----------------------------------------------------------------------------
def test_achievement_detail_shows_every_field(client, org):
    sub = helpers.subfield("新材料及其应用")
    shown = helpers.achievement(
        org,
        title="全字段成果",
        summary="一段简介",
        description="<p>详细<strong>介绍</strong></p>",
        problem="解决散热问题",
        advantages="成本降低三成",
        tech_field=sub,
        trl=7,
        price=Decimal("1200000"),
        keywords=["石墨烯", "导热"],
        team="张教授团队",
        application_scope="消费电子",
        modes=("transfer",),
        ip=(("invention", "ZL202010001234.5"),),
    )
    helpers.image(shown, name="listing-images/ab/photo.png", alt_text="样品照片")
    helpers.image(
        shown, name="listing-images/ab/big.png", alt_text="", thumbnail="listing-thumbs/ab/t.png"
    )
    helpers.attachment(shown, name="listing-files/ab/spec.pdf", title="技术说明书")

    page = client.get(shown.get_absolute_url()).content.decode()

    for text in [
        "全字段成果",
        "一段简介",
        "<p>详细<strong>介绍</strong></p>",
        "解决散热问题",
        "成本降低三成",
        f"新材料及其应用 / {sub.name}",
        "TRL 7（已有样品）",
        "¥1,200,000（120 万元）",
        "石墨烯、导热",
        "张教授团队",
        "消费电子",
        "技术转让",
        "发明专利",
        "ZL202010001234.5",
        "已授权",
        'alt="样品照片"',
        "/media/listing-thumbs/ab/t.png",
        "/media/listing-files/ab/spec.pdf",
        "技术说明书",
    ]:
        assert text in page, text


def test_need_detail_shows_every_field(client, org):
    shown = helpers.need(
        org,
        title="全字段需求",
        description="现状：良品率低",
        targets="良品率≥99%",
        budget_min=Decimal("300000"),
        budget_max=Decimal("500000"),
        valid_until="2030-12-31",
        keywords=["注塑"],
        modes=("commissioned_development",),
    )
    page = client.get(shown.get_absolute_url()).content.decode()

    for text in [
        "全字段需求",
        "现状与技术瓶颈",
        "现状：良品率低",
        "良品率≥99%",
        "¥300,000（30 万元） – ¥500,000（50 万元）",
        "2030-12-31",
        "公开企业名称",
        "注塑",
        "委托开发",
        org.name,
    ]:
        assert text in page, text


def test_negotiable_price_reads_mianyi(client, org):
    shown = helpers.achievement(org, price=None)
    assert "面议" in client.get(shown.get_absolute_url()).content.decode()


def test_script_in_a_description_never_reaches_the_page(client, personas):
    created = services.listing_create(
        model=Achievement,
        organisation=personas.organisation,
        by=personas.owner,
        data={
            "title": "含脚本的成果",
            "summary": "简介<script>alert('summary')</script>",
            "description": "<p>正文</p><script>alert('xss')</script>"
            '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">链接</a>',
        },
    )
    services.listing_submit(listing=created, by=personas.owner)
    services.listing_approve(listing=created, by=personas.staff)

    page = client.get(created.get_absolute_url()).content.decode()

    assert "<p>正文</p>" in page
    assert "<script>alert" not in page
    assert "onerror" not in page and "javascript:" not in page
    assert "简介&lt;script&gt;alert(&#x27;summary&#x27;)&lt;/script&gt;" in page


def test_plain_text_fields_are_escaped(client, org):
    shown = helpers.achievement(
        org, title="<b>标题</b>", problem="<script>alert(1)</script>", price=None
    )
    page = client.get(shown.get_absolute_url()).content.decode()
    listing = client.get(ACHIEVEMENTS).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<b>标题</b>" not in page and "<b>标题</b>" not in listing


# --- owners' view of the detail page --------------------------------------------------------
def test_owner_sees_status_return_reason_and_edit_link(client, personas):
    returned = helpers.achievement(
        personas.organisation,
        status=ListingStatus.RETURNED,
        status_reason="请补充专利号",
        published_at=None,
    )
    client.force_login(personas.owner)
    page = client.get(returned.get_absolute_url()).content.decode()

    assert "已退回" in page and "请补充专利号" in page
    assert reverse("marketplace:achievement_edit", args=[returned.pk]) in page


def test_owner_sees_the_workflow_timeline_and_pending_revision(client, personas):
    created = services.listing_create(
        model=Achievement,
        organisation=personas.organisation,
        by=personas.owner,
        data={"title": "走流程的成果", "summary": "简介"},
    )
    services.listing_submit(listing=created, by=personas.owner)
    services.listing_approve(listing=created, by=personas.staff)
    services.listing_update(
        listing=created, by=personas.owner, data={"title": "改过的标题", "summary": "简介"}
    )
    client.force_login(personas.owner)

    page = client.get(created.get_absolute_url()).content.decode()

    assert "流转记录" in page
    assert "提交审核" in page and "审核通过并发布" in page and "提交修改稿" in page
    assert "正在审核中" in page
    assert "走流程的成果" in page  # the published version stays visible


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_public_sees_no_edit_link_status_or_timeline(client, personas, who):
    shown = helpers.achievement(personas.organisation)
    if who == "outsider":
        client.force_login(personas.outsider)
    page = client.get(shown.get_absolute_url()).content.decode()
    assert reverse("marketplace:achievement_edit", args=[shown.pk]) not in page
    assert "流转记录" not in page and "status-badge" not in page


def test_need_owner_gets_the_need_edit_link(client):
    company = factories.organisation(kind="enterprise")
    owner = factories.member(company, Role.ENTERPRISE_MEMBER)
    own = helpers.need(company)
    client.force_login(owner)
    page = client.get(own.get_absolute_url()).content.decode()
    assert reverse("marketplace:need_edit", args=[own.pk]) in page


def test_detail_counts_a_view_of_a_published_listing(client, org):
    shown = helpers.achievement(org, view_count=4)
    client.get(shown.get_absolute_url())
    shown.refresh_from_db()
    assert shown.view_count == 5


# --- the money filter ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, expected",
    [
        (None, "面议"),
        (Decimal("1200000.00"), "¥1,200,000（120 万元）"),
        (Decimal("3500"), "¥3,500"),
        (Decimal("10000"), "¥10,000（1 万元）"),
        (Decimal("12345.67"), "¥12,345.67（1.23 万元）"),
        (Decimal("250000000"), "¥250,000,000（2.5 亿元）"),
        ("abc", ""),
    ],
)
def test_money_formats_yuan_with_separators_and_wan(value, expected):
    assert money(value) == expected
