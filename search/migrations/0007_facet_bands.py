# The TRL band and price/budget band facets (spec §5) on the database backend's entries.

from django.db import migrations, models

from search.backends.database.schema import create_sqlite_fulltext, drop_sqlite_fulltext


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
