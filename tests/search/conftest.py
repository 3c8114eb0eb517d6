"""Fixtures the search tests share."""

import pytest

from search.backends import get_backend
from tests import factories


@pytest.fixture
def indexed(settings):
    """Two achievements and a need in the database backend; (the graphene film, the need)."""
    settings.SEARCH_BACKEND = "database"
    org = factories.organisation()
    item = factories.achievement(
        org, title="石墨烯导热膜的连续化制备", summary="高导热石墨烯薄膜。"
    )
    need = factories.need(org, title="石墨烯涂层附着力提升")
    factories.achievement(org, title="水稻抗倒伏栽培技术", summary="提高水稻产量。")
    get_backend("database").rebuild()
    return item, need
