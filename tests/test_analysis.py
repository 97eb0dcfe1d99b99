"""Surprisal, words and features of a text (report.textstats) and the units that track them (section 6)."""
import json
import string

import numpy as np
import pytest

import rnn_helpers as R
from report import analysis as A
from report.textstats import (SURFACE, counted_words, surface, text_features, word_chance, word_measure_applies,
                              word_stats, words)


def test_surprisal_is_minus_log2_of_forwards_p_at_each_target():
    K, m, T = 9, 6, 30
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    x, y, h0 = rng.integers(0, K, T), rng.integers(0, K, T), rng.uniform(-0.5, 0.5, m)
    bits, P, H = A.surprisal(rnn, x, y, h0, K)
    h = h0
    for t in range(T):                        # the equations, one step at a time
        h = np.tanh(rnn["W"] @ h + rnn["U"][:, x[t]] + rnn["b"])
        o = rnn["V"] @ h + rnn["c"]
        p = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        assert bits[t] == pytest.approx(-np.log2(p[y[t]]), rel=1e-12)
        np.testing.assert_allclose(P[t], p, rtol=1e-12)
        np.testing.assert_allclose(H[t + 1], h, rtol=1e-12)
    assert bits.sum() * np.log(2) == pytest.approx(R.compute_loss(rnn, x, y, h0), rel=1e-12)


def test_features_of_a_crafted_text():
    text = 'He said "Go." Then\nHAMLET\nno'
    f = text_features(text)
    assert list(f["inside quotation marks"][:9]) == [False] * 8 + [True]        # from the opening " on
    assert f["inside quotation marks"][text.index("Then")] == False
    assert f["position in the line"][text.index("Then") + 4] == 18 and f["position in the line"][text.index("HAMLET")] == 0
    assert f["inside a word"][0] and not f["inside a word"][2]
    assert f["between sentences (after . ! ?)"][text.index('" T') + 1] and not f["between sentences (after . ! ?)"][3]
    assert f["a capital letter next"][text.index("Then") - 1] and not f["a capital letter next"][0]
    assert f["inside a line in capitals alone (a speaker's name)"][text.index("AMLET")]
    assert not f["inside a line in capitals alone (a speaker's name)"][text.index("Then")]
    assert f["inside a capitalised word (a name)"][text.index("hen")] and not f["inside a capitalised word (a name)"][-1]


def test_best_units_finds_the_unit_that_copies_a_feature():
    chars = sorted(set(string.ascii_lowercase + " .,"))
    K, m = len(chars), 8
    rnn = R.init_rnn(K, m, sig=0.3, rng=np.random.default_rng(0))
    letters = np.array([c.isalpha() for c in chars])
    rnn["U"][5] = np.where(letters, 3.0, -3.0)             # unit 5 is +1 on a letter, -1 elsewhere ...
    rnn["W"][5] = 0.0                                       # ... whatever came before
    rng = np.random.default_rng(1)
    text = "".join(rng.choice(chars, 3000))
    x = np.array([chars.index(c) for c in text])
    H = R.hidden_states(rnn, x, np.zeros(m))[1:]
    found = A.best_units(H, text_features(text))
    assert found["inside a word"][0] == 5 and found["inside a word"][1] > 0.99
    assert found["inside quotation marks"] is None and found["inside a line in capitals alone (a speaker's name)"] is None


def test_surprisal_by_position_in_a_word():
    text = "ab abc a"
    positions = A.by_position_in_word(text, np.arange(len(text), dtype=float), longest=2)
    # first letters at 0, 3, 7; second and later at 1, 4, 5
    assert positions == {1: (3, (0 + 3 + 7) / 3), 2: (3, (1 + 4 + 5) / 3)}
    text = "don't Größe 我们"                    # the apostrophe is no letter; each ideograph a word of one letter
    positions = A.by_position_in_word(text, np.arange(len(text), dtype=float), longest=5)
    assert positions == {1: (4, (0 + 6 + 12 + 13) / 4), 2: (2, (1 + 7) / 2), 3: (2, (2 + 8) / 2),
                         4: (2, (4 + 9) / 2), 5: (1, 10.0)}


def test_words_are_runs_of_letters_of_any_script():
    assert words("Die Größe, don't o’clock l'homme 'tis x2 snake_case") == \
        ["Die", "Größe", "don't", "o’clock", "l'homme", "tis", "x", "snake", "case"]
    assert words("cafe\u0301 naïve Ærø") == ["cafe\u0301", "naïve", "Ærø"]             # a combining accent
    assert words("Привет, мир! Это тест.") == ["Привет", "мир", "Это", "тест"]
    assert words("Γειά σου, κόσμε") == ["Γειά", "σου", "κόσμε"]
    assert words("我们的世界很大。Hello") == ["我", "们", "的", "世", "界", "很", "大", "Hello"]   # one ideograph, one word
    assert counted_words("I saw a cat in Größe 我们") == ["saw", "cat", "in", "Größe"]       # two letters or more
    assert word_stats("Die Größe ist groß, die Größe", {"Größe", "ist", "die"}) == (4 / 6, 5 / 6)
    assert word_stats("я и в дом", {"дом"}) == (1.0, 1.0)


def test_capitals_of_any_script():
    text = "ÉTÉ\nÄrger über Öl und Éclair.\nДЕДУШКА МОРОЗ\nИван Ωmega\nI\n"
    rates, f = surface(text), text_features(text)
    per_text = {name: rate * len(text) / 1000 for name, rate in rates.items()}
    assert per_text["capitalised words"] == pytest.approx(5)              # Ärger Öl Éclair Иван Ωmega
    assert per_text["lines in capitals alone (speakers' names)"] == pytest.approx(2)     # ÉTÉ, ДЕДУШКА МОРОЗ
    assert f["inside a line in capitals alone (a speaker's name)"][text.index("TÉ")]
    assert f["inside a line in capitals alone (a speaker's name)"][text.index("ОРОЗ")]
    assert f["inside a capitalised word (a name)"][text.index("rger")] and f["inside a capitalised word (a name)"][text.index("ван")]
    assert not f["inside a capitalised word (a name)"][text.index("ber")]
    assert f["a capital letter next"][text.index("Ärger") - 1] and f["inside a word"][text.index("ü")]


def test_the_word_measure_beats_chance_on_prose_and_code_but_not_on_chinese():
    prose = "\n".join("".join(cell["source"]) for path in sorted((R.ROOT / "notebooks").glob("*.ipynb"))
                      for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "markdown")
    code = "".join(p.read_text(encoding="utf-8") for p in [R.ROOT / "rnn_helpers.py", *sorted((R.ROOT / "report").rglob("*.py"))])
    assert len(prose) > 20_000 and len(code) > 100_000
    for text in prose, code:
        chance = word_chance(text)
        assert chance["held-out"] > 0.6 and chance["chance"] < 0.15 and chance["covered"] > 0.9, chance
        assert word_measure_applies(text)
    # On code, random characters from the code's own character set make many one-letter "words" (x, i, e),
    # every one a word of the code: counting words of two letters or more, chance is low.
    rng = np.random.default_rng(0)
    noise = "".join(rng.choice(sorted(set(code)), 20_000))
    vocabulary = set(words(code))
    assert np.mean([w in vocabulary for w in words(noise)]) > 0.3
    assert word_stats(noise, vocabulary)[0] < 0.1
    # Chinese: each ideograph a word, of one letter; random ideographs of the corpus are all words of it.
    sentences = ["我们今天去公园散步。", "他说这本书很有意思。", "天气很好，我们一起吃饭吧。", "老师在教室里讲课。",
                 "你明天有时间吗？", "这个城市的夜晚非常安静。", "她喜欢在周末读小说。", "我们的世界很大。"]
    chinese = "".join(np.random.default_rng(1).choice(sentences, 2000))
    assert len(words(chinese)) > 0.8 * len(chinese) and counted_words(chinese) == []
    assert word_chance(chinese) == {"held-out": 0.0, "chance": 0.0, "covered": 0.0}
    assert not word_measure_applies(chinese)


def test_the_features_per_character_and_per_1000_characters_find_the_same_things():
    text = 'KING HENRY\nWe go. "Now," said Harry! To Hogwarts.\nHERMIONE\nyes'
    rates, f = surface(text), text_features(text)
    per_text = {name: rate * len(text) / 1000 for name, rate in rates.items()}
    starts = lambda flags: int(flags[0]) + int((flags[1:] & ~flags[:-1]).sum())    # runs of True
    assert per_text["capitalised words"] == pytest.approx(starts(f["inside a capitalised word (a name)"])) == 5
    assert per_text["lines in capitals alone (speakers' names)"] == pytest.approx(
        starts(f["inside a line in capitals alone (a speaker's name)"])) == 2
    assert len(SURFACE) == 5
