"""Two-sided matching: candidates by text, re-scored and explained per factor (spec §5)."""

from decimal import Decimal

import pytest

from marketplace.models import ListingStatus
from search import engine
from search.backends import get_backend
from tests import factories
from tests.marketplace import helpers

pytestmark = pytest.mark.django_db


def _factors(match) -> dict[str, dict]:
    return {f.factor: f.as_dict() for f in match.factors}


def _by_title(result) -> dict:
    return {m.title: m for m in result.items}


@pytest.fixture
def market():
    """A battery-materials need, a close achievement and a far one, from three regions."""
    local_uni = factories.organisation(region_code="330302")  # the deployment's district
    jiangsu_uni = factories.organisation(region_code="320106")
    company = factories.organisation(kind="enterprise", region_code="330302")
    cathode = helpers.subfield("新材料及其应用")
    need = helpers.need(
        company,
        title="锂电池正极材料循环寿命提升",
        description="我司生产三元锂电池，正极材料循环寿命不足，希望技术已通过中试。",
        budget_min=Decimal("500000"),
        budget_max=Decimal("1000000"),
        modes=("transfer", "license"),
        tech_field=cathode,
    )
    close = helpers.achievement(
        local_uni,
        title="高镍三元正极材料及其制备方法",
        summary="一种锂电池高镍三元正极材料，循环寿命提升30%。",
        trl=7,
        price=Decimal("800000"),
        modes=("transfer",),
        tech_field=cathode,
    )
    far = helpers.achievement(
        jiangsu_uni,
        title="废旧锂电池回收工艺",
        summary="废旧锂电池正极材料的湿法回收。",
        trl=4,
        price=Decimal("2000000"),
        modes=("equity",),
        tech_field=helpers.field("电子信息"),
    )
    _unrelated(local_uni)
    get_backend("database").rebuild()
    return need, close, far


UNRELATED = [
    ("水稻抗倒伏栽培", "提高水稻产量。"),
    ("茶叶揉捻机", "名优绿茶的连续揉捻设备。"),
    ("桥梁健康监测", "斜拉索索力的长期在线监测。"),
    ("中药饮片炮制", "黄精九蒸九晒的标准化炮制。"),
    ("污水脱氮除磷", "城镇污水厂提标改造。"),
    ("鞋底防滑配方", "橡胶鞋底耐磨防滑。"),
]


def _unrelated(org) -> None:
    """Listings about other things: with them, common words are not in most documents
    (BM25 gives words in over half of a tiny corpus almost no weight)."""
    for title, summary in UNRELATED:
        helpers.achievement(org, title=title, summary=summary)


def test_a_need_gets_ranked_achievements_with_every_factor_explained(market):
    need, close, far = market
    result = engine.matches_for(need)
    assert [m.id for m in result.items] == [close.pk, far.pk]  # the rice listing shares nothing
    assert result.items[0].score > result.items[1].score
    best = _factors(result.items[0])
    assert list(best) == ["terms", "field", "trl", "price", "modes", "region"]
    assert "正极" in best["terms"]["detail"] and "循环" in best["terms"]["detail"]
    assert best["field"]["detail"].startswith("同属“新材料及其应用")
    assert best["trl"]["detail"] == "成果 TRL 7，达到需求期望的“中试”（TRL 6 以上）"
    assert (
        best["price"]["detail"]
        == "成果报价 ¥800,000（80 万元），在预算 ¥500,000（50 万元） 至 ¥1,000,000（100 万元） 之内"
    )
    assert best["modes"]["detail"] == "都接受：技术转让"
    assert best["region"]["detail"] == "同在温州市鹿城区"
    assert all(f["weight"] > 0 for f in best.values())
    assert result.items[0].score == pytest.approx(sum(f["weight"] for f in best.values()), abs=0.2)


def test_a_poor_fit_says_why_factor_by_factor(market):
    need, _close, far = market
    poor = _factors(_by_title(engine.matches_for(need))[far.title])
    assert poor["field"]["detail"] == "领域不同：新材料及其应用 与 电子信息"
    assert poor["trl"]["detail"] == "成果 TRL 4，低于需求期望的“中试”（TRL 6）"
    assert (
        poor["price"]["detail"]
        == "成果报价 ¥2,000,000（200 万元），高于预算上限 ¥1,000,000（100 万元）"
    )
    assert poor["modes"]["detail"].startswith("合作方式不同：")
    assert poor["region"]["detail"] == "不同省份：浙江省 与 江苏省"
    for name in ("field", "trl", "price", "modes", "region"):
        assert poor[name]["weight"] == 0, name


def test_an_achievement_gets_ranked_needs_with_the_same_explanation(market):
    need, close, _far = market
    result = engine.matches_for(close)
    assert [m.id for m in result.items] == [need.pk]
    assert result.items[0].type == "need"
    assert _factors(result.items[0])["price"]["detail"].startswith("成果报价 ¥800,000（80 万元）")


def test_unstated_maturity_negotiable_price_and_missing_modes_are_said_plainly():
    uni = factories.organisation(region_code="330106")  # Hangzhou: same province
    company = factories.organisation(kind="enterprise", region_code="330302")
    need = helpers.need(company, title="注塑件翘曲变形控制", description="汽车内饰注塑件翘曲。")
    helpers.achievement(uni, title="注塑件翘曲变形控制方法", summary="模流分析优化注塑件翘曲。")
    get_backend("database").rebuild()
    (match,) = engine.matches_for(need).items
    factors = _factors(match)
    assert factors["trl"]["detail"] == "需求未说明期望的成熟度（成果为 TRL 6）"
    assert factors["price"]["detail"] == "价格与预算均为面议"
    assert factors["modes"]["detail"] == "一方未说明合作方式"
    assert factors["field"]["detail"] == "一方未说明技术领域"
    assert factors["region"]["detail"] == "同在浙江省"
    assert factors["trl"]["weight"] == 0 and 0 < factors["price"]["weight"] < 10


def test_a_price_just_above_or_below_the_budget_and_related_licences_count_partly():
    uni = factories.organisation(region_code="330302")
    company = factories.organisation(kind="enterprise", region_code="330303")  # same city
    need = helpers.need(
        company,
        title="工业机器人视觉定位",
        description="产线需要机器人视觉定位，精度0.1毫米。",
        budget_max=Decimal("300000"),
        modes=("license_exclusive",),
    )
    slightly = helpers.achievement(
        uni, title="机器人视觉定位系统", price=Decimal("330000"), modes=("license",)
    )
    cheap = helpers.achievement(uni, title="机器人视觉定位算法", price=Decimal("9000"))
    get_backend("database").rebuild()
    matches = _by_title(engine.matches_for(need))
    above = _factors(matches[slightly.title])
    assert (
        above["price"]["detail"]
        == "成果报价 ¥330,000（33 万元），略高于预算上限 ¥300,000（30 万元）"
    )
    assert above["price"]["weight"] == 5.0
    assert above["modes"]["detail"] == "都接受技术许可（技术许可（独占）／技术许可（普通））"
    assert above["modes"]["weight"] == 5.0
    assert above["region"]["detail"] == "同一城市（浙江省）"
    below = _factors(matches[cheap.title])
    assert below["price"]["detail"] == "成果报价 ¥9,000，不超过预算上限 ¥300,000（30 万元）"
    assert below["price"]["weight"] == 10.0


def test_only_published_listings_are_matched_and_never_the_source(market):
    need, close, far = market
    uni = close.organisation
    draft = helpers.achievement(
        uni, title="锂电池正极材料循环寿命提升（草稿）", status=ListingStatus.DRAFT
    )
    archived = helpers.achievement(uni, title="锂电池正极材料包覆工艺")
    get_backend("database").rebuild()
    archived.status = ListingStatus.ARCHIVED  # withdrawn after indexing: the index is behind
    archived.save()
    ids = {m.id for m in engine.matches_for(need, limit=50).items}
    assert close.pk in ids and far.pk in ids
    assert draft.pk not in ids and archived.pk not in ids
    assert all(m.type == "achievement" for m in engine.matches_for(need).items)


def test_a_need_with_a_mass_production_wish_wants_the_highest_stage_it_names():
    company = factories.organisation(kind="enterprise")
    uni = factories.organisation()
    need = helpers.need(
        company,
        title="不锈钢阀门密封面堆焊",
        description="已做过小试，希望引进可量产的堆焊工艺。",
    )
    helpers.achievement(uni, title="阀门密封面堆焊工艺", trl=6)
    get_backend("database").rebuild()
    (match,) = engine.matches_for(need).items
    trl = _factors(match)["trl"]
    assert trl["detail"] == "成果 TRL 6，低于需求期望的“可量产”（TRL 8）"


def test_a_cached_ranking_still_hides_what_was_withdrawn_since(market):
    need, close, far = market
    assert [m.id for m in engine.matches_for(need).items] == [close.pk, far.pk]
    close.status = ListingStatus.ARCHIVED
    close.save()  # not reindexed: only the database knows
    assert [m.id for m in engine.matches_for(need).items] == [far.pk]
