"""A corpus of many short documents: read from a JSON file of texts (the tweet archive's format and
one JSON value a line), a folder or a fortune file, each document followed by the end-of-document
character; the checks that refuse what is not one; the held-out part cut at a document's end;
synthesis that stops at the end; and the measurements of notebook 12. Properties only: no test
asserts a generated text."""
import html
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

import builds
import corpora
import rnn_helpers as R
import rnn_trainer as trainer
import textfile
from report import documents, preflight
from report.findings import documents as F

EOD = textfile.EOD
quick = pytest.mark.quick                        # `make check`; the report's build is not


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@quick
def test_the_tweet_archive_is_read_as_tweets_without_retweets(tmp_path):
    path = write(tmp_path / "condensed_2018.json", corpora.tweet_archive())
    tweets = json.loads(path.read_text(encoding="utf-8"))
    assert {"text", "created_at", "id_str", "is_retweet"} <= set(tweets[0])
    text, info, char_to_ind, _ = trainer.load_corpus(path)
    own = [t["text"] for t in tweets if not t["is_retweet"]]
    assert text == "".join(t + EOD for t in own) and info["documents"] == len(own) < len(tweets)
    assert info["name"] == "condensed_2018" and EOD in char_to_ind
    assert "RT @" not in text
    assert textfile.read_corpus(path, retweets=True)[1] == len(tweets)


@quick
def test_json_strings_and_one_value_a_line(tmp_path):
    texts = [f"document {i}\nwith two lines" for i in range(25)]
    whole = write(tmp_path / "a.json", json.dumps(texts))
    lines = write(tmp_path / "b.jsonl", "\n".join(json.dumps({"text": t, "id": i}) for i, t in enumerate(texts)) + "\n")
    assert textfile.read_corpus(whole) == textfile.read_corpus(lines) == ("".join(t + EOD for t in texts), 25)


@quick
def test_a_folder_is_one_document_a_file_and_a_fortune_file_is_split_at_percent_lines(tmp_path):
    folder = tmp_path / "poems"
    (folder / "more").mkdir(parents=True)
    for i in range(21):
        write(folder / ("more" if i % 2 else ".") / f"{i:02d}.txt", f"poem {i}\r\nline two\n\n")
    write(folder / ".hidden", "\0\0")
    text, n = textfile.read_corpus(folder)
    assert n == 21 and text.count(EOD) == 21 and "\r" not in text and text.startswith("poem 0\nline two" + EOD)
    fortune = write(tmp_path / "fortunes", corpora.fortunes())
    text, n = textfile.read_corpus(fortune)
    assert n == 560 and "%" not in text and not text.startswith("\n") and EOD + "\n" not in text


@quick
def test_a_plain_text_is_one_text_as_before(tmp_path):
    plain = write(tmp_path / "notes.txt", "100%\n%\nnot ten separators\n" * 3)
    assert textfile.read_corpus(plain) == (textfile.read_book(plain), None)
    assert "documents" not in trainer.load_corpus(plain)[1]


@quick
@pytest.mark.parametrize("name, content, message", [
    ("a.json", json.dumps([{"id": 1, "user": "x"}] * 30), r'holds no text in its item 1 \(an object with the fields id, user\)'),
    ("a.json", json.dumps([{"text": "RT x", "is_retweet": True}] * 30), "holds no texts but 30 retweets"),
    ("a.json", "[1, 2", "is not JSON"),
    ("a.json", json.dumps([" ", "\n"] * 30), "all its 60 documents are empty"),
    ("a.json", json.dumps(["one"] * 5), "holds 5 documents; a corpus of documents needs at least 20"),
    ("a.json", json.dumps(["a\x03b"] * 30), "30 of its documents hold U\\+0003"),
])
def test_a_json_file_that_is_not_documents_is_refused_clearly(tmp_path, name, content, message):
    with pytest.raises(ValueError, match=message):
        textfile.read_corpus(write(tmp_path / name, content))


@quick
def test_an_empty_folder_and_binary_files_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="is an empty folder"):
        textfile.read_corpus(tmp_path)
    write(tmp_path / "a.txt", "text")
    (tmp_path / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\xff")
    with pytest.raises(ValueError, match=r"holds files that are not UTF-8 text \(1 of 2\): b.png"):
        textfile.read_corpus(tmp_path)


@quick
def test_preflight_reads_documents_and_says_what_is_wrong(tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_CORPUS", str(write(tmp_path / "tweets.json", corpora.tweet_archive())))
    text, _ = preflight.load()
    assert text.count(EOD) > 300 and not preflight.check_text(text, "tweets", fonts=False)
    monkeypatch.setenv("RNN_CORPUS", str(write(tmp_path / "bad.json", "{}")))
    text, problem = preflight.load()
    assert text is None and problem.startswith("RNN_CORPUS: ") and "holds no text" in problem
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("RNN_CORPUS", str(empty))
    assert "is an empty folder" in preflight.load()[1]


@quick
def test_the_held_out_part_is_whole_documents():
    text = "".join("x" * n + EOD for n in [30, 5, 12, 40, 7, 22, 9, 31] * 5)
    char_to_ind, _ = R.build_vocab(text)
    data, eod = R.encode(text, char_to_ind), char_to_ind[EOD]
    train, held = R.split_corpus(data, 0.1, eod)
    assert train[-1] == eod and held[-1] == eod and len(held) >= round(0.1 * len(data))
    np.testing.assert_array_equal(np.concatenate([train, held]), data)
    parts = documents.split_documents(held, eod)
    assert sum(map(len, parts)) == len(held) and all(p[-1] == eod and (p[:-1] != eod).all() for p in parts)
    np.testing.assert_array_equal(R.split_corpus(data, 0.1)[0], data[:len(data) - round(0.1 * len(data))])


@quick
def test_synthesis_stops_at_the_end_and_is_unchanged_without_it():
    rnn = R.init_rnn(6, 8, sig=0.5, rng=np.random.default_rng(0))
    h0 = np.zeros(8)
    plain = R.synthesize(rnn, h0, 0, 400, np.random.default_rng(1))
    stopped = R.synthesize(rnn, h0, 0, 400, np.random.default_rng(1), stop=3)
    first = int(np.flatnonzero(plain == 3)[0])
    np.testing.assert_array_equal(stopped, plain[:first + 1])          # the same draws, up to the end
    capped = R.synthesize(rnn, h0, 0, first, np.random.default_rng(1), stop=3)
    np.testing.assert_array_equal(capped, plain[:first])               # the limit reached first
    with pytest.raises(ValueError, match="stop=6 is not in the vocabulary"):
        R.synthesize(rnn, h0, 0, 10, np.random.default_rng(1), stop=6)


@quick
def test_generated_documents_respect_the_limit_and_say_whether_they_ended():
    rnn = R.init_rnn(5, 8, sig=0.5, rng=np.random.default_rng(2))
    for start in documents.STARTS:
        docs = documents.generate(rnn, 4, 50, 30, np.random.default_rng(3), start)
        assert len(docs) == 50 and all(len(ids) <= 30 and 4 not in ids for ids, _ in docs)
        assert all(ended or len(ids) == 30 for ids, ended in docs) and any(e for _, e in docs)


@quick
def test_the_held_out_loss_scores_every_character_and_end_both_ways():
    rnn = R.init_rnn(5, 8, sig=0.5, rng=np.random.default_rng(4))
    data = np.array([0, 1, 2, 4, 3, 3, 4, 1, 0, 2, 2, 4])
    docs = documents.split_documents(data, 4)
    reset = documents.held_out_loss(rnn, docs, 4, "reset")
    carried = documents.held_out_loss(rnn, docs, 4, "carried over")
    assert reset["characters"] == carried["characters"] == len(data)
    first = R.compute_loss(rnn, np.r_[4, docs[0][:-1]], docs[0], np.zeros(8))
    by_document = [R.compute_loss(rnn, np.r_[4, d[:-1]], d, np.zeros(8)) for d in docs]
    assert reset["loss"] == pytest.approx(sum(by_document) / len(data))
    whole = R.compute_loss(rnn, np.r_[4, data[:-1]], data, np.zeros(8))   # carried over: one stream
    assert carried["loss"] == pytest.approx(whole / len(data)) and first == pytest.approx(by_document[0])
    assert 0 < reset["end"] and 0 < carried["end"]


@quick
def test_the_limit_fits_the_corpus():
    assert documents.max_length([50] * 99 + [900]) == 140
    assert documents.max_length([200] * 100) == 280
    assert documents.max_length([950] * 100) == 1000


@quick
def test_the_findings_state_what_was_measured():
    assert "**30 (60%) ended on their own**" in F.ended(30, 50, 140) and "20 were cut" in F.ended(30, 50, 140)
    assert "about as long as" in F.lengths([50, 52], [49, 51, 500], 140)
    losses = {"carried over": dict(loss=1.8, end=0.9), "reset": dict(loss=1.7, end=0.4)}
    assert "the state reset is better by 0.100" in F.start_state(losses, 40, "reset")
    assert F.start_state({**losses, "reset": dict(loss=9.0, end=1.0)}, 40, "reset").startswith("**Something went wrong")
    assert F.word_share(None) == "" and F.word_share(0.8) == "80% of their words are words of the corpus."


# ---------------------------------------------------------------------------------------------
# The report built on a tweet archive (tests/builds.py, the user texts' builds)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["tweets"])
def built(request, pdftotext):
    """The report of the synthetic tweet archive, built in the background at the user texts' scale."""
    build = builds.result("user_text", request.param)
    assert build.done.returncode == 0, build.done.stdout + build.done.stderr
    page = (build.tmp / "report" / "report.html").read_text(encoding="utf-8")
    return SimpleNamespace(page=page, pdf=" ".join(pdftotext(build.tmp / "report" / "report.pdf").split()))


@pytest.mark.user_texts
def test_the_report_on_tweets_has_the_documents_section(built):
    for phrase in ("Many short documents", "Table 15.", "Figure 8.", "ended on their own",
                   "nats per character with the hidden state carried over"):
        assert phrase in built.pdf and phrase in " ".join(html.unescape(re.sub(r"<[^>]+>", " ", built.page)).split())
    assert "\x03" not in built.pdf + built.page and "\u2403" in built.pdf
    assert F.NOT_APPLICABLE.strip("*")[:40] not in built.pdf


@pytest.mark.user_texts
def test_the_generated_tweets_are_at_most_140_characters(built):
    table = built.page[built.page.index("Table 15."):]
    table = table[:table.index("</table>")]
    cells = [html.unescape(re.sub(r"<[^>]+>", "", span)).replace("\u00a0", " ")
             for span in re.findall(r'<span class="generated"[^>]*>(.*?)</span>', table, flags=re.S)]
    documents_shown = [c for c in cells if c != "\u2403"]
    assert len(documents_shown) == 12 and all(len(c) <= 140 for c in documents_shown)
