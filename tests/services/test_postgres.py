"""Behaviour that must hold on PostgreSQL, the production database."""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import Organisation
from tests import factories

pytestmark = pytest.mark.postgres


def test_the_suite_runs_on_postgresql(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


def test_credit_codes_are_unique_but_many_organisations_may_have_none(postgres):
    factories.organisation(credit_code="91330100799655058B")
    factories.organisation(kind="government", credit_code="")
    factories.organisation(kind="government", credit_code="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            name="重复代码公司",
            kind="enterprise",
            region_code="330302",
            credit_code="91330100799655058B",
        )


def test_chinese_text_round_trips(postgres):
    org = factories.organisation()
    item = factories.achievement(org, title="一种𠀀生僻字与全角（括号）的标题")
    item.refresh_from_db()
    assert item.title == "一种𠀀生僻字与全角（括号）的标题"
