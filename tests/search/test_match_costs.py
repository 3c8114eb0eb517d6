"""What a match list costs, and that what it remembers to be fast never shows the wrong thing:
the database queries do not grow with the number of matches, and the explanations follow
the reader's language however often the same amounts were shown in another."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from search import engine
from search.backends import get_backend
from tests import factories
from tests.marketplace import helpers
from tests.search.test_match_explanations import _unrelated

pytestmark = pytest.mark.django_db


def _queries(need) -> tuple[int, int]:
    """(matches, statements outside the search index) of a need's match list."""
    with CaptureQueriesContext(connection) as queries:
        result = engine.matches_for(need, cached=False)
        for match in result.items:  # what the pages and the digest read of each match
            assert match.url == match.listing.get_absolute_url()
            _ = match.listing.organisation.name, match.listing.published_at
    return len(result.items), sum("search_entry" not in q["sql"] for q in queries.captured_queries)


def test_a_need_s_match_list_costs_the_same_queries_for_three_matches_as_for_nine():
    company = factories.organisation(kind="enterprise")
    uni = factories.organisation()
    need = helpers.need(
        company,
        title="锂电池正极材料循环寿命提升",
        description="三元锂电池正极材料循环寿命不足，希望技术已通过中试。",
        modes=("transfer",),
    )
    for topic in ("循环寿命", "包覆改性", "高镍三元"):
        helpers.achievement(
            uni, title=f"正极材料{topic}", summary=f"锂电池正极材料{topic}。", modes=("transfer",)
        )
    _unrelated(uni)
    get_backend("database").rebuild()
    few = _queries(need)
    for topic in ("压实密度", "单晶化", "掺杂", "前驱体", "烧结工艺", "成本控制"):
        helpers.achievement(
            uni,
            title=f"正极材料{topic}",
            summary=f"锂电池正极材料{topic}。",
            modes=("transfer", "license"),
        )
    for _ in range(2):  # keep the shared words in fewer than half the documents
        _unrelated(factories.organisation())
    get_backend("database").rebuild()
    many = _queries(need)
    assert (few[0], many[0]) == (3, 9)
    assert many[1] == few[1]


def test_explanations_follow_the_reader_s_language_each_time():
    company = factories.organisation(kind="enterprise", region_code="330302")
    uni = factories.organisation(region_code="330302")
    need = helpers.need(
        company,
        title="锂电池正极材料循环寿命提升",
        description="三元锂电池正极材料循环寿命不足。",
        budget_min=Decimal("500000"),
        budget_max=Decimal("1000000"),
    )
    helpers.achievement(
        uni, title="高镍三元正极材料", summary="锂电池正极材料。", price=Decimal("800000")
    )
    _unrelated(uni)
    get_backend("database").rebuild()

    def price() -> str:
        (match,) = engine.matches_for(need, cached=False).items
        return next(f.detail for f in match.factors if f.factor == "price")

    chinese = (
        "成果报价 ¥800,000（80 万元），在预算 ¥500,000（50 万元） 至 ¥1,000,000（100 万元） 之内"
    )
    assert price() == chinese
    with translation.override("en"):
        assert price() == (
            "Asking price ¥800,000 (80 × 10,000 yuan), within the budget of "
            "¥500,000 (50 × 10,000 yuan) to ¥1,000,000 (100 × 10,000 yuan)"
        )
    assert price() == chinese
