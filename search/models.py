"""The database backend's search table (one row per public listing).

Why a table of its own: the database backend ranks with BM25 over *segmented*
words (search/analysis.py), which the listing tables do not hold. SQLite keeps
an FTS5 index over the token columns (kept in step by triggers), PostgreSQL
keeps tsvector columns with GIN indexes (filled by the backend); see
search/backends/database/schema.py. Elasticsearch does not use this table.
"""

from __future__ import annotations

from django.conf import settings
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
    # search.analysis.fingerprint() when the token columns were written: an
    # Elasticsearch rebuild reuses them while it holds (search/indexing.py).
    analysis = models.CharField(_("分析版本"), max_length=16, blank=True)
    # Facets.
    tech_field = models.CharField(_("技术领域"), max_length=100, blank=True)
    tech_subfield = models.CharField(_("技术子领域"), max_length=100, blank=True)
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    organisation = models.CharField(_("所属机构"), max_length=200, blank=True)
    organisation_kind = models.CharField(_("机构类型"), max_length=20, blank=True)
    region = models.CharField(_("行政区划"), max_length=12, blank=True)
    cooperation_modes = models.JSONField(_("合作方式"), default=list, blank=True)
    trl_band = models.CharField(_("技术成熟度"), max_length=20, blank=True)
    price_band = models.JSONField(_("价格/预算"), default=list, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # The listing's updated_at when indexed: the reconcile task compares it (spec §5).
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

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


class MatchDismissal(models.Model):
    """A match the source listing's organisation does not want to see again (不再推荐).

    Keyed by type name and id (not foreign keys) because sources and targets are
    listings of several kinds (achievement, need, challenge); a dismissal holds
    for everyone in the source listing's organisation (spec §5).
    """

    source_type = models.CharField(_("来源类型"), max_length=20)
    source_id = models.BigIntegerField(_("来源编号"))
    target_type = models.CharField(_("匹配类型"), max_length=20)
    target_id = models.BigIntegerField(_("匹配编号"))
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dismissed_at = models.DateTimeField(_("操作时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已忽略的匹配")
        verbose_name_plural = _("已忽略的匹配")
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "target_type", "target_id"],
                name="match_dismissal_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_type}:{self.source_id} ✕ {self.target_type}:{self.target_id}"


class SavedSearch(models.Model):
    """A search a signed-in person keeps (保存的搜索); new results come in the daily digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="saved_searches",
    )
    query = models.CharField(_("关键词"), max_length=200)
    doc_type = models.CharField(_("类型"), max_length=20, blank=True, help_text=_("留空表示全部"))
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_notified_at = models.DateTimeField(
        _("上次提醒时间"), null=True, blank=True, help_text=_("此后发布的结果会出现在下一封摘要中")
    )

    class Meta:
        verbose_name = _("保存的搜索")
        verbose_name_plural = _("保存的搜索")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "query", "doc_type", "filters"], name="saved_search_unique"
            )
        ]

    def __str__(self) -> str:
        return self.query


class MatchDigest(models.Model):
    """One person's daily digest (每日匹配摘要): at most one per person and day, e-mailed once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="match_digests",
    )
    day = models.DateField(_("日期"))
    period_start = models.DateTimeField(_("起始时间"))
    period_end = models.DateTimeField(_("统计截至"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("匹配摘要")
        verbose_name_plural = _("匹配摘要")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="match_digest_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class MatchAlert(models.Model):
    """One new listing in a digest, and why the person gets it (a saved search or their listing)."""

    digest = models.ForeignKey(
        MatchDigest, verbose_name=_("匹配摘要"), on_delete=models.CASCADE, related_name="alerts"
    )
    saved_search = models.ForeignKey(
        SavedSearch,
        verbose_name=_("保存的搜索"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The person's own listing this new listing matches (empty for saved-search alerts).
    source_type = models.CharField(_("来源类型"), max_length=20, blank=True)
    source_id = models.BigIntegerField(_("来源编号"), null=True, blank=True)
    source_title = models.CharField(_("来源标题"), max_length=255, blank=True)
    reason = models.CharField(_("原因"), max_length=255)
    target_type = models.CharField(_("类型"), max_length=20)
    target_id = models.BigIntegerField(_("编号"))
    title = models.CharField(_("标题"), max_length=255)
    url = models.CharField(_("链接"), max_length=300)

    class Meta:
        verbose_name = _("匹配提醒")
        verbose_name_plural = _("匹配提醒")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "target_type", "target_id"], name="match_alert_once_per_digest"
            )
        ]

    def __str__(self) -> str:
        return self.title


class DictionaryWord(models.Model):
    """A word bureau staff added to the segmentation dictionary (检索词典, spec §5).

    Joins the built-in domain dictionary (search/dictionary/domain.txt): the
    segmenter keeps it whole in listings and queries. Stored normalised (as the
    analysis sees text); search/staff_words.py loads the words into every process
    and re-indexes the listings that contain a word when it is added or removed.
    """

    word = models.CharField(
        _("词语"),
        max_length=30,
        unique=True,
        help_text=_(
            "检索时应作为一个整体的专业词语，如“钙钛矿叠层电池”；保存时统一为简体、半角、小写"
        ),
        error_messages={"unique": _("词典中已有这个词。")},
    )
    frequency = models.PositiveIntegerField(
        _("词频"),
        null=True,
        blank=True,
        help_text=_("可留空：留空时确保整体切分；填写数值时，数值越大越倾向于整体切分"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("检索词典词语")
        verbose_name_plural = _("检索词典")

    def __str__(self) -> str:
        return self.word

    def clean(self) -> None:
        from search.staff_words import clean_word

        self.word = clean_word(self.word)


class DictionaryReindex(models.Model):
    """A dictionary word whose listings could not be queued for re-indexing (the broker
    was down): the periodic reconcile task re-indexes them (search/staff_words.py)."""

    word = models.CharField(_("词语"), max_length=30, unique=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待重新索引的词语")
        verbose_name_plural = _("待重新索引的词语")

    def __str__(self) -> str:
        return self.word


class TopicSpace(models.Model):
    """The site's topic model (主题模型, search/topics.py): which words go together in the
    listings, fitted from the database index; only the newest row is kept."""

    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    documents = models.PositiveIntegerField(_("文档数"))
    words = models.PositiveIntegerField(_("词数"))
    dimensions = models.PositiveSmallIntegerField(_("主题数"))
    data = models.BinaryField(_("模型数据"))

    class Meta:
        verbose_name = _("主题模型")
        verbose_name_plural = _("主题模型")

    def __str__(self) -> str:
        return f"{self.documents} × {self.words} → {self.dimensions}"


class PostingSegment(models.Model):
    """PostgreSQL: the database index's postings as of one moment (倒排快照), so a search
    reads each query term's documents at once instead of every candidate's whole
    ``tsvector`` (search/backends/database/segment.py). Only the newest row is kept;
    entries written after it are read from ``search_entry`` itself."""

    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    documents = models.PositiveIntegerField(_("文档数"))
    # Entries with a larger id were written after the snapshot.
    max_entry = models.BigIntegerField(_("最大条目编号"))
    doc_types = models.JSONField(_("类型"), default=list)
    # One value per document, in order of entry id (numpy arrays, big-endian).
    ids = models.BinaryField(_("条目编号"))
    type_codes = models.BinaryField(_("类型代码"))
    words_len = models.BinaryField()
    title_words_len = models.BinaryField()
    grams_len = models.BinaryField()
    published = models.BinaryField(_("发布时间"))
    facets = models.BinaryField(_("筛选项"), default=b"")

    class Meta:
        db_table = "search_segment"
        verbose_name = _("倒排快照")
        verbose_name_plural = _("倒排快照")

    def __str__(self) -> str:
        return f"{self.documents} ≤ {self.max_entry}"


class Posting(models.Model):
    """The documents of one term in one index field, in a segment (an ordinal per
    document and its term frequency, as numpy arrays)."""

    segment = models.BigIntegerField(_("倒排快照"))
    field = models.CharField(_("索引字段"), max_length=20)
    term = models.TextField(_("词项"))
    ords = models.BinaryField()
    tfs = models.BinaryField()

    class Meta:
        db_table = "search_posting"
        verbose_name = _("倒排列表")
        verbose_name_plural = _("倒排列表")
        constraints = [
            models.UniqueConstraint(fields=["term", "field", "segment"], name="search_posting_term")
        ]

    def __str__(self) -> str:
        return f"{self.field}:{self.term}"


class RemovedEntry(models.Model):
    """An entry deleted or changed since the segment was taken: its postings there are
    stale (a trigger on ``search_entry`` writes these on PostgreSQL)."""

    entry_id = models.BigIntegerField(_("条目编号"), primary_key=True)

    class Meta:
        db_table = "search_removed"
        verbose_name = _("已变更条目")
        verbose_name_plural = _("已变更条目")

    def __str__(self) -> str:
        return str(self.entry_id)
