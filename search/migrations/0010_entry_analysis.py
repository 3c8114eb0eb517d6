# Which analysis wrote an entry's token columns (search.analysis.fingerprint): an
# Elasticsearch rebuild reuses the columns while it is the current one.

from django.db import migrations, models

from search.backends.database.schema import create_sqlite_fulltext, drop_sqlite_fulltext


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0009_topic_space"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_fulltext, create_sqlite_fulltext),
        migrations.AddField(
            model_name="searchentry",
            name="analysis",
            field=models.CharField(blank=True, max_length=16, verbose_name="分析版本"),
        ),
        migrations.RunPython(create_sqlite_fulltext, drop_sqlite_fulltext),
    ]
