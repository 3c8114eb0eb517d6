"""Seed the 2024 target (spec §7): 技术交易总额 ¥5,000,000,000.00 for the configured district.

Default measure 技术交易额 and basis "seller or buyer in the district"; bureau staff
edit it afterwards. Reversing leaves the row alone unless it still has the seeded values.
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

YEAR = 2024
AMOUNT = Decimal("5000000000.00")


def seed_target(apps, schema_editor):
    Target = apps.get_model("marketplace", "Target")
    Target.objects.get_or_create(
        year=YEAR,
        defaults={
            "amount": AMOUNT,
            "district_code": settings.DISTRICT_CODE,
            "measure": "tech_amount",
            "basis": "either",
        },
    )


def unseed_target(apps, schema_editor):
    Target = apps.get_model("marketplace", "Target")
    Target.objects.filter(
        year=YEAR,
        amount=AMOUNT,
        district_code=settings.DISTRICT_CODE,
        measure="tech_amount",
        basis="either",
        updated_by=None,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_contracts")]

    operations = [migrations.RunPython(seed_target, unseed_target)]
