"""Seed the code lists (spec §2) from the frozen marketplace.seeds.codelists_v1."""

from django.db import migrations

from marketplace.seeds import codelists_v1 as seed


def seed_codelists(apps, schema_editor):
    TechField = apps.get_model("marketplace", "TechField")
    Industry = apps.get_model("marketplace", "Industry")
    MaturityStage = apps.get_model("marketplace", "MaturityStage")
    CooperationMode = apps.get_model("marketplace", "CooperationMode")
    IPType = apps.get_model("marketplace", "IPType")

    national = {}
    for order, name in enumerate(seed.TECH_FIELDS, start=1):
        national[name], _ = TechField.objects.get_or_create(
            parent=None, name=name, defaults={"sort_order": order * 100}
        )
    for source_l1, subfields in seed.SOURCE_SUBFIELDS.items():
        for order, sub in enumerate(subfields, start=1):
            parent_name = seed.SOURCE_SUBFIELD_OVERRIDES.get(
                (source_l1, sub), seed.SOURCE_FIELD_TO_NATIONAL[source_l1]
            )
            TechField.objects.get_or_create(
                parent=national[parent_name], name=sub, defaults={"sort_order": order}
            )

    aliases_for = {}
    for alias, name in seed.INDUSTRY_ALIASES.items():
        aliases_for.setdefault(name, []).append(alias)
    sections = {}
    for order, (letter, name) in enumerate(seed.INDUSTRY_SECTIONS, start=1):
        sections[letter], _ = Industry.objects.get_or_create(
            parent=None,
            name=name,
            defaults={"code": letter, "sort_order": order, "aliases": aliases_for.get(name, [])},
        )
    for letter, divisions in seed.INDUSTRY_DIVISIONS.items():
        for order, name in enumerate(divisions, start=1):
            Industry.objects.get_or_create(
                parent=sections[letter],
                name=name,
                defaults={"sort_order": order, "aliases": aliases_for.get(name, [])},
            )

    for order, (name, low, high, synonyms) in enumerate(seed.MATURITY_STAGES, start=1):
        MaturityStage.objects.get_or_create(
            name=name,
            defaults={"trl_min": low, "trl_max": high, "aliases": synonyms, "sort_order": order},
        )
    for model, rows in ((CooperationMode, seed.COOPERATION_MODES), (IPType, seed.IP_TYPES)):
        for order, (code, name, synonyms) in enumerate(rows, start=1):
            model.objects.get_or_create(
                code=code, defaults={"name": name, "aliases": synonyms, "sort_order": order}
            )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(seed_codelists, migrations.RunPython.noop)]
