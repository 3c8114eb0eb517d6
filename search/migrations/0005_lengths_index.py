from django.db import migrations

from search.backends.database import schema


def create_index(apps, schema_editor):
    # PostgreSQL only: the BM25 collection statistics from an index-only scan.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(schema.lengths_index(schema.SITE_TABLE))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(schema.drop_lengths_index(schema.SITE_TABLE))


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_digest_period_label"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
