# The TRL band and price/budget band facets (spec §5) on the database backend's entries.

from django.db import migrations, models

from search.backends.database import schema


def drop_sqlite_fulltext(apps, schema_editor):
    """SQLite adds a NOT NULL column by remaking the table, which drops the triggers that
    keep the FTS5 tables in step: they are taken down first and rebuilt afterwards."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in schema.sqlite_drop_statements(schema.SITE_TABLE):
            schema_editor.execute(statement)


def create_sqlite_fulltext(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        table = schema.SITE_TABLE
        for statement in schema.sqlite_statements(table) + schema.sqlite_refill_statements(table):
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0006_dictionary_words'),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_fulltext, create_sqlite_fulltext),
        migrations.AddField(
            model_name='searchentry',
            name='price_band',
            field=models.JSONField(blank=True, default=list, verbose_name='价格/预算'),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='trl_band',
            field=models.CharField(blank=True, max_length=20, verbose_name='技术成熟度'),
        ),
        migrations.RunPython(create_sqlite_fulltext, drop_sqlite_fulltext),
    ]
