"""Word order, for a query typed as one phrase.

Someone who types a title or a phrase without spaces (冬小麦新品种兰天26号选育) means
those words in that order: a listing that has them side by side is likelier the one
meant than a longer one that has each of them somewhere. So in the search box the
first ``topics.WINDOW`` results of the relevance ranking get a bonus for the share of
the query's adjacent word pairs they hold in that order,
``WEIGHT × best text score × share``, and are re-sorted, before the topic re-ranking.

Words separated by spaces are separate keywords (沥青路面 试验分析): they keep being
scored as a bag, with no bonus. A keyword list gives no order between its keywords,
and inside one keyword the character bigrams across its words already count
(search/query.py). Paying for the pairs inside keywords too cost both keyword
benchmarks (MRR@10 0.481 → 0.451 where the paper does not write its keywords,
0.983 → 0.980 where it does).

The pairs are found in the words the ranking returns (search-mode words: a word's own
sub-words come just before it), as the topic re-ranking reads them, so both backends
agree and no index needs positions. The bonus is never negative and only the window
is re-sorted, so scores still fall from one page to the next. Tuned on the
development benchmarks (docs/benchmarks.md): with a listing's title as the query,
MRR@10 0.910 → 0.917 on both backends.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from search import analysis

if TYPE_CHECKING:
    from search.backends.base import Ranked

WEIGHT = 0.5  # the bonus for holding every pair, as a share of the best text score

Pairs = list[tuple[str, str]]


def query_pairs(q: str) -> Pairs:
    """The adjacent word pairs of a query typed as one run (no spaces); [] otherwise."""
    runs = analysis.normalise(q).split()
    if len(runs) != 1:
        return []
    words = analysis.query_words(runs[0], normalised=True)
    return list(dict.fromkeys(zip(words, words[1:], strict=False)))


def held(words: str, pairs: Pairs) -> int:
    """How many of ``pairs`` occur in ``words`` (space-joined search-mode words) in order,
    side by side.

    Between the two words of a pair there may be sub-words of the second
    (…兰天 26 号…; 高 分子 分子量: 分子 is inside 分子量). Read with ``str.find``
    rather than token by token: a third of the time over 30 results."""
    text, count = f" {words} ", 0
    for first, second in pairs:
        needle, start = f" {first} ", 0
        while (at := text.find(needle, start)) >= 0:
            pos = at + len(needle) - 1  # the space before the next word
            while (end := text.find(" ", pos + 1)) >= 0:
                word = text[pos + 1 : end]
                if word == second or word not in second:
                    break
                pos = end  # a sub-word of the second: look on
            if end >= 0 and text[pos + 1 : end] == second:
                count += 1
                break
            start = at + 1
    return count


def rerank(items: list[Ranked], pairs: Pairs, window: int) -> list[Ranked]:
    """``items`` (best first, with their ``words``) with the first ``window`` re-scored
    by the share of ``pairs`` they hold and re-sorted; the rest as they were."""
    head = items[:window]
    if not pairs or not head or head[0].score <= 0:
        return items
    bonus = WEIGHT * head[0].score / len(pairs)
    scored = []
    for item in head:
        n = held(item.words, pairs)
        scored.append(replace(item, score=item.score + bonus * n) if n else item)
    scored.sort(key=lambda item: -item.score)  # stable: ties keep the text order
    return scored + items[window:]
