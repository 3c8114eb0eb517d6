"""Text analysis shared by both backends (spec §5: segmentation, normalisation)."""

import pytest

from search import analysis, indexing


@pytest.fixture(autouse=True)
def _fresh_segmenter():
    analysis.reset()
    yield
    analysis.reset()


def test_technical_text_is_segmented_into_words_and_their_parts():
    words = analysis.words("锂离子电池正极材料的制备方法")
    # Search mode: the whole word (from the domain dictionary) and its parts.
    assert {"锂离子电池", "锂离子", "离子", "电池"} <= set(words)
    assert {"正极", "材料", "制备", "方法"} <= set(words)


def test_query_words_keep_words_whole():
    assert analysis.query_words("锂离子电池正极材料") == ["锂离子电池", "正极", "材料"]


def test_full_width_letters_digits_and_punctuation_become_half_width():
    assert analysis.normalise("ＭｏＯ３　薄膜，１２３％") == "moo3 薄膜,123%"
    assert "moo3" in analysis.words("ＭｏＯ３薄膜")


def test_traditional_chinese_is_simplified():
    assert analysis.normalise("鋰離子電池與記憶體") == "锂离子电池与记忆体"
    assert analysis.words("機器人焊接工藝") == analysis.words("机器人焊接工艺")


def test_case_is_folded():
    assert analysis.words("OLED Display") == analysis.words("oled display") == ["oled", "display"]


def test_html_is_stripped_and_entities_decoded():
    assert (
        analysis.normalise("<p>高导热</p><ul><li>薄膜 &amp; 涂层</li></ul>") == "高导热 薄膜 & 涂层"
    )


def test_stop_words_and_punctuation_are_dropped():
    words = analysis.words("本文提出了一种基于石墨烯的、高效的散热方法。")
    assert not {"的", "了", "一种", "本文", "基于", "、", "。", ","} & set(words)
    assert "散热" in words


def test_grams_are_cjk_characters_and_bigrams_without_stop_characters():
    assert analysis.grams("导热的膜") == ["导", "热", "膜", "导热", "热的", "的膜"]
    assert analysis.grams("OLED 5G") == []


def test_a_domain_dictionary_word_is_kept_whole(tmp_path, settings):
    assert "钙钛矿叠层组件" not in analysis.query_words("钙钛矿叠层组件的封装")
    dictionary = tmp_path / "domain.txt"
    dictionary.write_text("# our terms\n鈣鈦礦疊層組件 100\n", encoding="utf-8")  # traditional too
    settings.SEARCH_USER_DICTIONARY = str(dictionary)
    analysis.reset()
    assert analysis.query_words("钙钛矿叠层组件的封装") == ["钙钛矿叠层组件", "封装"]
    assert "钙钛矿叠层组件" in analysis.words("钙钛矿叠层组件的封装")


def test_the_bundled_dictionary_keeps_marketplace_terms_whole():
    assert "揭榜挂帅" in analysis.query_words("揭榜挂帅项目")
    assert "石墨烯" in analysis.query_words("石墨烯导热膜")


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("ﬁnance ofﬁce", "finance office"),  # ligatures expand
        ("25℃ ① ㎡ ⅱ ｶﾀｶﾅ", "25°c 1 m2 ii カタカナ"),  # other compatibility forms
        ("Straße ΣΑΣ", "strasse σασ"),  # case folding, not lower-casing
        ("＜\u0338 e\u0301", "≮ é"),  # a full-width sign still composes with its mark
        ("a\u3000b\xa0c\t\nd  e", "a b c d e"),  # every kind of space becomes one space
        ("&lt;石墨烯&gt; &amp; 薄膜&nbsp;涂层", "<石墨烯> & 薄膜 涂层"),
        ("臺灣記憶體，ＯＬＥＤ", "台湾记忆体,oled"),
        ("", ""),
    ],
)
def test_normalisation_is_nfkc_case_folded_simplified_with_single_spaces(text, normalised):
    assert analysis.normalise(text) == normalised


def test_grams_of_mixed_text_come_from_each_run_of_chinese_characters():
    text = analysis.normalise("石墨烯OLED的膜，导热")
    assert analysis.grams(text, normalised=True) == [
        *("石", "墨", "烯", "石墨", "墨烯"),
        *("膜", "的膜"),  # 的 alone says nothing, as a bigram it stays
        *("导", "热", "导热"),
    ]
    assert analysis.grams("的，的的") == ["的的"]


def test_gram_text_is_the_grams_of_several_texts_joined_in_order():
    texts = ["导热的膜", "OLED 5G", "的", "石墨烯；薄膜"]
    expected = [g for t in texts for g in analysis.grams(t, normalised=True)]
    assert analysis.gram_text(*texts) == " ".join(expected)
    assert analysis.gram_text("OLED", "") == ""


def test_gram_spans_point_at_the_grams_in_the_text():
    text = analysis.normalise("高导热的石墨烯膜，OLED显示")
    spans = analysis.gram_spans(text)
    assert [gram for _, _, gram in spans] == analysis.grams(text, normalised=True)
    assert all(text[start:end] == gram for start, end, gram in spans)


def test_words_keep_letters_digits_and_underscores_and_drop_punctuation():
    words = analysis.words("foo_bar 3.5mm，C++与Python_3。")
    assert {"foo_bar", "3.5mm", "c++", "python_3"} <= set(words)
    assert not {",", "。", " ", "与"} & set(words)


def test_query_word_spans_point_at_the_words_in_the_text():
    text = analysis.normalise("石墨烯导热膜，用于OLED")
    spans = analysis.query_word_spans(text)
    assert [word for _, _, word in spans] == analysis.query_words(text, normalised=True)
    assert all(text[start:end] == word for start, end, word in spans)
    assert [w for _, _, w in spans] == ["石墨烯", "导热", "膜", "用于", "oled"]


def test_analysed_streams_hold_title_words_first_and_grams_of_title_then_text():
    streams = indexing.analysed("石墨烯导热膜", "本发明提供一种导热膜。")
    title_words = analysis.words("石墨烯导热膜")
    assert streams["title_words"] == " ".join(title_words)
    assert streams["words"].split()[: len(title_words)] == title_words
    assert streams["grams"] == " ".join(
        analysis.grams("石墨烯导热膜") + analysis.grams("本发明提供一种导热膜。")
    )


def test_worker_processes_analyse_exactly_what_one_process_does():
    docs = [
        {
            "id": n,
            "title": f"柔性传感器{n}",
            "text": "锂電池正极材料，ＯＬＥＤ。",
            "url": f"/a/{n}/",
        }
        for n in range(30)
    ]
    inline = list(indexing.analysed_rows(docs, extra=sorted))
    assert list(indexing.analysed_rows(docs, workers=2, extra=sorted)) == inline
    assert [doc for doc, _, _ in inline] == docs
    assert inline[0][1] == indexing.analysed(docs[0]["title"], docs[0]["text"])
    assert inline[0][2] == sorted(inline[0][1])  # extra() of the streams, computed alongside
    assert list(indexing.index_rows(docs, workers=2)) == [indexing.index_row(d) for d in docs]
