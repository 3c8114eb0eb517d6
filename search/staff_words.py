"""Words bureau staff add to the segmentation dictionary (检索词典, spec §5).

The words live in the database (search.models.DictionaryWord), and search/analysis.py
segments with whatever set it is given. Each process gives it the current set:

* when it starts on some work (a request, a Celery task, an indexing command). It
  checks at most once every ``CHECK_SECONDS``, with one small query: how many words
  there are and when the last one changed;
* at once, in the process where staff saved or deleted a word.

A word changes how the listings and pages that contain it are cut into words, so a
background task re-indexes exactly those. It finds them by reading every indexed text
(normalised as the analysis reads it), after a prefilter in SQL where the word allows
one.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Count, Max, Q
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from search import analysis
from search.backends.base import SearchUnavailable
from search.models import DictionaryReindex, DictionaryWord, SearchEntry

logger = logging.getLogger(__name__)

CHECK_SECONDS = 30  # how stale another process's dictionary may be
MIN_LENGTH = 2
MAX_LENGTH = 30
WORD_SYMBOLS = set(".+#-_")  # the symbols a token may hold (c++, c#, pm2.5, e-mail)
_BATCH = 500
MAX_BULK = 1000  # words added at once (one paste)


# --- what a word may be -------------------------------------------------------------------
def clean_word(raw: str) -> str:
    """The word as the analysis will see it, or a ValidationError saying what is wrong."""
    word = analysis.normalise(raw or "")
    if not word:
        raise ValidationError(_("请填写词语。"), code="required")
    if " " in word:
        raise ValidationError(_("一个词语中不能有空格；多个词请分别添加。"), code="space")
    if len(word) < MIN_LENGTH:
        raise ValidationError(_("词语至少要有两个字。"), code="short")
    if len(word) > MAX_LENGTH:
        raise ValidationError(_("词语最多 %(max)d 个字。") % {"max": MAX_LENGTH}, code="long")
    if not all(c.isalnum() or c in WORD_SYMBOLS for c in word) or not any(
        c.isalnum() for c in word
    ):
        raise ValidationError(_("词语只能由汉字、字母、数字和 . + # - _ 组成。"), code="characters")
    if word in analysis.STOP_WORDS:
        raise ValidationError(
            _("“%(word)s”是停用词，检索时总被忽略，不能加入词典。") % {"word": word},
            code="stop_word",
        )
    return word


# --- keeping each process's segmenter current ----------------------------------------------
_checked_at = float("-inf")
_version: tuple | None = None


def refresh(*, force: bool = False) -> bool:
    """Give the analysis the current staff words if they changed (at most every
    ``CHECK_SECONDS`` unless forced); True if its dictionary changed."""
    global _checked_at, _version
    now = time.monotonic()
    if not force and now - _checked_at < CHECK_SECONDS:
        return False
    _checked_at = now
    try:
        with transaction.atomic():  # a failure must not break a surrounding transaction
            latest = DictionaryWord.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
            version = (latest["n"], latest["at"])
            if version == _version and not force:
                return False
            entries = list(DictionaryWord.objects.values_list("word", "frequency"))
    except DatabaseError as exc:  # not migrated yet (a fresh database): the built-in dictionary
        # One line, no traceback: `search_eval` in a fresh clone reads no site table otherwise.
        logger.warning("Staff dictionary words could not be read: %s", exc)
        return False
    _version = version  # read before the words: a change in between is seen next time
    return analysis.set_staff_words(entries)


def refresh_soon(**_kwargs) -> None:
    """Signal receiver (request started, Celery task about to run): a throttled check."""
    refresh()


# --- what a changed word touches ----------------------------------------------------------
def _prefilter(words: list[str]) -> Q | None:
    """Rows that may contain one of ``words`` (their grams hold each word's first CJK
    bigram), or None when a word has no bigram to look for (every row is read)."""
    query = Q()
    for word in words:
        bigram = next((g for g in analysis.grams(word, normalised=True) if len(g) == 2), None)
        if bigram is None:
            return None
        query |= Q(grams__contains=bigram)
    return query


def listings_containing(words: Iterable[str]) -> dict[str, list[int]]:
    """Indexed listings (type → ids) whose normalised title or text holds one of ``words``."""
    words = sorted({w for w in words if w})
    found: dict[str, list[int]] = defaultdict(list)
    if not words:
        return found
    rows = SearchEntry.objects.order_by("pk")
    if (prefilter := _prefilter(words)) is not None:
        rows = rows.filter(prefilter)
    for doc_type, object_id, title, text in rows.values_list(
        "doc_type", "object_id", "title", "text"
    ).iterator(chunk_size=_BATCH):
        normalised = analysis.normalise(title) + "\n" + analysis.normalise(text)
        if any(w in normalised for w in words):
            found[doc_type].append(object_id)
    return found


def pages_containing(words: Iterable[str]) -> list:
    """Live content pages (indexed with ``search_words``) whose text holds one of ``words``."""
    from wagtail.models import Page

    words = [w for w in words if w]
    pages = []
    for page in Page.objects.live().specific().iterator(chunk_size=_BATCH):
        texts = getattr(page, "search_texts", None)
        if words and texts is not None:
            normalised = analysis.normalise(" ".join(str(t) for t in texts() if t))
            if any(w in normalised for w in words):
                pages.append(page)
    return pages


def reindex(words: list[str], *, inline: bool = False) -> int:
    """Re-index what contains ``words`` with the dictionary as it is now (a Celery task's
    body). The listings go through the usual indexing task, in batches, or are indexed
    here (``inline``: the reconcile task catching up, which runs when the broker is up)."""
    from wagtail.search import index

    from search.backends import indexing_backends
    from search.receivers import enqueue_index

    refresh(force=True)
    count = 0
    for type_name, ids in listings_containing(words).items():
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            if inline:
                for backend in indexing_backends():
                    backend.index(type_name, batch)
            else:
                enqueue_index(type_name, batch)
        count += len(ids)
    for page in pages_containing(words):
        index.insert_or_update_object(page)
        count += 1
    return count


# --- staff save or delete a word ----------------------------------------------------------
def _enqueue_reindex(words: list[str]) -> None:
    from search.tasks import reindex_dictionary_words

    try:
        reindex_dictionary_words.delay(words)
    except Exception:  # noqa: BLE001 — broker down: the word is saved and used already
        logger.exception("Could not enqueue re-indexing for dictionary words %s", words)
        # No listing changed, so the reconcile task would not see the miss: it is written
        # down for it.
        DictionaryReindex.objects.bulk_create(
            [DictionaryReindex(word=w) for w in words], ignore_conflicts=True
        )


def catch_up() -> int:
    """Re-index what the words written down by ``_enqueue_reindex`` touch (reconcile)."""
    pending = dict(DictionaryReindex.objects.values_list("word", "pk"))
    if not pending:
        return 0
    try:
        count = reindex(sorted(pending), inline=True)
    except SearchUnavailable:  # Elasticsearch down: the words stay written down for next time
        logger.warning("Dictionary re-indexing postponed: search backend unavailable")
        return 0
    DictionaryReindex.objects.filter(pk__in=pending.values()).delete()
    return count


@receiver(pre_save, sender=DictionaryWord)
def _remember_old_word(sender, instance: DictionaryWord, **kwargs) -> None:
    """An edited word: the listings holding the old spelling are re-cut too."""
    old = None
    if instance.pk is not None:
        old = DictionaryWord.objects.filter(pk=instance.pk).values_list("word", "frequency").first()
    instance._old = old


def words_changed(words: Iterable[str]) -> None:
    """After the commit: this process segments with the new words at once, and what
    contains them is re-indexed in the background (one task for all of them)."""
    words = sorted(set(words))

    def after_commit() -> None:
        refresh(force=True)
        if words:
            _enqueue_reindex(words)

    transaction.on_commit(after_commit)


@receiver(post_save, sender=DictionaryWord)
def word_saved(sender, instance: DictionaryWord, created: bool, **kwargs) -> None:
    old = getattr(instance, "_old", None)
    if not created and old == (instance.word, instance.frequency):
        return  # only the note changed: nothing is cut differently
    words_changed({instance.word, old[0] if old else instance.word})


@receiver(post_delete, sender=DictionaryWord)
def word_deleted(sender, instance: DictionaryWord, **kwargs) -> None:
    words_changed([instance.word])


def add_words(entries: list[tuple[str, int | None]]) -> tuple[int, int]:
    """Add checked words (``parse_lines``) at once; those already in the dictionary are
    left as they are. One re-indexing for all of them. Returns (added, already there)."""
    with transaction.atomic():
        known = set(
            DictionaryWord.objects.filter(word__in=[w for w, _f in entries]).values_list(
                "word", flat=True
            )
        )
        new = [DictionaryWord(word=w, frequency=f) for w, f in entries if w not in known]
        DictionaryWord.objects.bulk_create(new, ignore_conflicts=True)  # no signals: once
        words_changed(w.word for w in new)
    return len(new), len(known)


def parse_lines(text: str) -> tuple[list[tuple[str, int | None]], list[str]]:
    """Words (with their frequency, if given) of one word a line, ``词语 [词频]``, each
    once; or the reason for every line that cannot be added (then nothing should be)."""
    entries: dict[str, int | None] = {}
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        where = {"line": number, "text": line.strip()}
        if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
            errors.append(
                _("第 %(line)d 行“%(text)s”：一行写一个词，词后可空一格写词频（正整数）。") % where
            )
            continue
        try:
            word = clean_word(parts[0])
        except ValidationError as refused:
            errors.append(
                _("第 %(line)d 行“%(text)s”：%(reason)s")
                % {**where, "reason": " ".join(refused.messages)}
            )
            continue
        entries.setdefault(word, int(parts[1]) if len(parts) == 2 else None)
    if len(entries) > MAX_BULK:
        errors.append(_("一次最多添加 %(max)d 个词。") % {"max": MAX_BULK})
    return list(entries.items()), errors
