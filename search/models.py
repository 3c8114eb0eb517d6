"""The database backend's search table (one row per public listing).

Why a table of its own: the database backend ranks with BM25 over *segmented*
words (search/analysis.py), which the listing tables do not hold. SQLite keeps
an FTS5 index over the token columns (kept in step by triggers), PostgreSQL
keeps tsvector columns with GIN indexes (filled by the backend); see
search/backends/database/schema.py. Elasticsearch does not use this table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """A listing as the database search backend indexes it (搜索索引条目)."""

    doc_type = models.CharField(_("类型"), max_length=20)
    object_id = models.BigIntegerField(_("对象编号"))
    title = models.CharField(_("标题"), max_length=255)
    text = models.TextField(_("正文"), blank=True, help_text=_("纯文本，用于摘要高亮"))
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # Space-separated tokens from search.analysis; column names are the index fields.
    words = models.TextField(_("分词"), blank=True)
    title_words = models.TextField(_("标题分词"), blank=True)
    grams = models.TextField(_("单字与双字"), blank=True)
    words_len = models.PositiveIntegerField(default=0)
    title_words_len = models.PositiveIntegerField(default=0)
    grams_len = models.PositiveIntegerField(default=0)
    # Facets.
    tech_field = models.CharField(_("技术领域"), max_length=100, blank=True)
    tech_subfield = models.CharField(_("技术子领域"), max_length=100, blank=True)
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    organisation = models.CharField(_("所属机构"), max_length=200, blank=True)
    organisation_kind = models.CharField(_("机构类型"), max_length=20, blank=True)
    region = models.CharField(_("行政区划"), max_length=12, blank=True)
    cooperation_modes = models.JSONField(_("合作方式"), default=list, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        db_table = "search_entry"
        verbose_name = _("搜索索引条目")
        verbose_name_plural = _("搜索索引条目")
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "object_id"], name="search_entry_unique")
        ]
        indexes = [models.Index(fields=["doc_type", "-published_at"])]

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.object_id}"
