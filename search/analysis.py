"""Text analysis shared by every backend: normalise, segment, drop stop words.

Both backends index and query the *output* of this module (space-joined tokens),
so the database and Elasticsearch see exactly the same words (spec §5):

* ``normalise``: HTML stripped, NFKC (full-width → half-width), case-folded,
  traditional → simplified (OpenCC ``t2s``).
* ``words``: rjieba search-mode segmentation (a word and its dictionary sub-words),
  with the domain dictionary (``settings.SEARCH_USER_DICTIONARY``) and the words
  bureau staff add in the admin (search/staff_words.py hands them in; this module
  never reads the database, so forked analysis workers can use it).
* ``grams``: CJK single characters and character bigrams, the fallback that lets
  an unusual term (one the dictionary splits differently) still find something.
* ``fingerprint``: what else the token streams depend on, so stored streams can be
  reused while it holds.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import sys
import threading
import unicodedata
from array import array
from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import opencc
import rjieba
from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_DICTIONARY = Path(__file__).resolve().parent / "dictionary" / "domain.txt"

# Function words and boilerplate too common to say anything about a listing.
STOP_WORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 为 对 等 中 其 该 本 并 从 以 于 将 由 被 把 也 都 而 之 这 那 有 就
    上 下 个 种 一种 及其 以及 并且 或者 以便 通过 进行 采用 利用 使用 对于 关于 基于 具有 可以
    能够 一个 一些 我们 本文 文中 其中 此外 同时 因此 所以 但是 然而 如果 因为 并对 得到 提出
    the a an of and or in on for to with by is are be as at from that this
    """.split()
)

_TAG = re.compile(r"<[^>]*>")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# A token is kept if it has a letter, digit or CJK character (punctuation is dropped).
_CONTENT = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]")
# The stop words a CJK run can hold as single characters: the ones ``grams`` drops.
_STOP_CHARS = re.compile(
    "[" + "".join(sorted(w for w in STOP_WORDS if len(w) == 1 and _CJK.fullmatch(w))) + "]"
)
# Most Chinese text is NFKC already but for full-width punctuation. Each of these
# characters is replaced by its own NFKC form (same compatibility decomposition, so
# NFKC of the result equals NFKC of the original); is_normalized then usually says
# the rest needs nothing, and the slow full normalisation runs only on what is left.
_WIDE = tuple(
    (c, unicodedata.normalize("NFKC", c))
    for c in "，；：（）～％＜＞．？－！／＝＋［］＂＇＆\u3000"
)


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def strip_html(text: str) -> str:
    """Tags become spaces (so block boundaries stay word boundaries); entities decoded."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    return text


def normalise_script(text: str) -> str:
    """Traditional → simplified Chinese."""
    return _converter().convert(text)


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, without the cost on text that is nearly NFKC."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for wide, narrow in _WIDE:
        text = text.replace(wide, narrow)
    if unicodedata.is_normalized("NFKC", text):
        return text
    # ℃, ①, Ⅱ, ㎡ …: the same replacement for every such character, one pass.
    text = text.translate(_compatibility_forms())
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1)
def _compatibility_forms() -> dict[int, str]:
    """Every BMP character that NFKC changes on its own → its NFKC form (~3,000; 15 ms)."""
    forms = {}
    for code in range(0x10000):
        char = chr(code)
        if not 0xD800 <= code < 0xE000 and not unicodedata.is_normalized("NFKC", char):
            if (nfkc := unicodedata.normalize("NFKC", char)) != char:
                forms[code] = nfkc
    return forms


def normalise(text: str) -> str:
    """HTML-free, half-width, case-folded, simplified text with single spaces."""
    text = _nfkc(strip_html(text or "")).casefold()
    # str.split() splits on exactly the characters ``\s`` matches: this is
    # re.sub(r"\s+", " ", text).strip(), without the regular expression.
    return " ".join(normalise_script(text).split())


# --- segmentation ----------------------------------------------------------------
_lock = threading.Lock()
_segmenter: rjieba.Jieba | None = None
_staff_words: tuple[tuple[str, int | None], ...] = ()


def dictionary_path() -> Path:
    return Path(getattr(settings, "SEARCH_USER_DICTIONARY", None) or DEFAULT_DICTIONARY)


def read_dictionary(path: Path) -> list[tuple[str, int | None]]:
    """Entries of a jieba-style user dictionary: ``word [frequency] [tag]`` a line."""
    entries: list[tuple[str, int | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        entries.append((normalise(parts[0]), freq))
    return entries


def segmenter() -> rjieba.Jieba:
    """rjieba with the domain dictionary loaded (once per process; reset() reloads)."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                jieba = rjieba.Jieba()
                path = dictionary_path()
                if path.exists():
                    for word, freq in read_dictionary(path):
                        jieba.add_word(word, freq, None)
                else:
                    logger.warning("Search dictionary %s not found; using the default", path)
                for word, freq in _staff_words:
                    jieba.add_word(word, freq, None)
                _segmenter = jieba
    return _segmenter


def reset() -> None:
    """Forget the loaded dictionary (after staff edited it, or a test changed the setting)."""
    global _segmenter
    with _lock:
        _segmenter = None


def fingerprint() -> str:
    """A digest of what a listing's token streams depend on besides its title and text.

    This module and search/indexing.py (the code), the dictionary file and the versions
    of the segmenter and the converter. Streams stored under the same fingerprint, for
    the same title and text, are what analysing again would give. The staff words are
    not part of it: a staff word re-indexes the listings it changes (search/staff_words.py).
    """
    digest = hashlib.blake2b(digest_size=8)
    here = Path(__file__).resolve()
    for path in (here, here.with_name("indexing.py"), dictionary_path()):
        digest.update(path.read_bytes() if path.exists() else b"-")
    for package in ("rjieba", "OpenCC"):
        digest.update(version(package).encode())
    return digest.hexdigest()


def staff_words() -> tuple[tuple[str, int | None], ...]:
    return _staff_words


def set_staff_words(entries: Iterable[tuple[str, int | None]]) -> bool:
    """Segment with these staff words from now on (word, frequency or None); True if
    they differ from the current ones (the segmenter is then rebuilt on next use)."""
    global _staff_words, _segmenter
    entries = tuple(sorted(entries))
    with _lock:
        if entries == _staff_words:
            return False
        _staff_words, _segmenter = entries, None
    return True


def _keep(token: str) -> bool:
    # rjieba yields spaces and punctuation as tokens of their own. A token of letters,
    # digits and CJK characters only (most of them) needs no regular expression:
    # str.isalnum() is true exactly when every character matches ``\w``.
    return token not in STOP_WORDS and (token.isalnum() or _CONTENT.search(token) is not None)


def _kept(tokens: list[str]) -> list[str]:
    # _keep inlined: this runs for every token of every document of a rebuild.
    stop, content = STOP_WORDS, _CONTENT.search
    return [t for t in tokens if t not in stop and (t.isalnum() or content(t))]


def words(text: str, *, normalised: bool = False) -> list[str]:
    """Search-mode words of ``text`` in order (sub-words follow the word they are in)."""
    text = text if normalised else normalise(text)
    return _kept(segmenter().cut_for_search(text))


def query_words(text: str, *, normalised: bool = False) -> list[str]:
    """Precise-mode words of a query (whole words; sub-words would dilute a short query)."""
    text = text if normalised else normalise(text)
    return _kept(segmenter().cut(text))


def query_word_spans(text: str) -> list[tuple[int, int, str]]:
    """``query_words`` of normalised ``text`` with their (start, end) character offsets."""
    spans, start = [], 0
    for token in segmenter().cut(text):
        if _keep(token):
            spans.append((start, start + len(token), token))
        start += len(token)
    return spans


def gram_spans(text: str) -> list[tuple[int, int, str]]:
    """``grams`` of normalised ``text`` with their (start, end) character offsets."""
    out: list[tuple[int, int, str]] = []
    for run in _CJK.finditer(text):
        chars, at = run.group(), run.start()
        out.extend((at + i, at + i + 1, c) for i, c in enumerate(chars) if c not in STOP_WORDS)
        out.extend((at + i, at + i + 2, chars[i : i + 2]) for i in range(len(chars) - 1))
    return out


def grams(text: str, *, normalised: bool = False) -> list[str]:
    """CJK single characters (but stop words) and bigrams of each run of CJK characters."""
    text = text if normalised else normalise(text)
    joined = gram_text(text)
    return joined.split(" ") if joined else []  # a gram never holds a space


# UTF-32 code units, in the machine's byte order (an array's own).
_CODE = "I" if array("I").itemsize == 4 else "L"
_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"
_SPACE = array(_CODE, [32])
# Between two runs (joined by "\n") the bigram string holds " X\n \nY": X ends a run,
# Y starts the next; cutting that to "\n" leaves the runs' own bigrams between newlines.
_ACROSS_RUNS = re.compile(" .\n \n.")


def _utf32(text: str) -> array:
    return array(_CODE, text.encode(_UTF32))


def gram_text(*texts: str) -> str:
    """``join(grams(t1) + grams(t2) + …)`` of normalised texts, in one string.

    The same tokens in the same order as ``grams``: for each run of CJK characters its
    single characters (but stop words: 的, 和 … say nothing alone), then its bigrams.
    Built with string and array operations over all runs at once instead of a Python
    loop per character (a rebuild's hottest path): each run gives a " a b c" piece and
    a " ab bc" piece, and the pieces are interleaved.
    """
    runs = [run for text in texts for run in _CJK.findall(text)]
    if not runs:
        return ""
    joined = "\n".join(runs)  # "\n" is no CJK character: a run boundary
    codes = _utf32(joined)
    if len(codes) > 1:
        spaced = _SPACE * (3 * (len(codes) - 1))  # " ab bc c\n \nd …": every adjacent pair
        spaced[1::3], spaced[2::3] = codes[:-1], codes[1:]
        bigrams = _ACROSS_RUNS.sub("\n", spaced.tobytes().decode(_UTF32)).split("\n")
    else:
        bigrams = [""]
    kept = _utf32(_STOP_CHARS.sub("", joined))
    spaced = _SPACE * (2 * len(kept))  # " a b \n c": a run of stop words only is empty
    spaced[1::2] = kept
    unigrams = spaced.tobytes().decode(_UTF32).split(" \n")
    pieces: list[str | None] = [None] * (2 * len(runs))
    pieces[0::2], pieces[1::2] = unigrams, bigrams
    return "".join(pieces)[1:]  # every non-empty piece starts with a space


def join(tokens: Iterable[str]) -> str:
    """Tokens as stored in the index: separated by single spaces."""
    return " ".join(tokens)
