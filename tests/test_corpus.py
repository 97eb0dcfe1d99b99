"""The corpus: reading it, its vocabulary, and the course's figures on the real book wherever it is."""
import os
from pathlib import Path

import pytest

import rnn_helpers as R
import rnn_trainer as trainer

pytestmark = pytest.mark.quick                   # `make check`


def the_book():
    """goblet_book.txt where a user or CI keeps it: $RNN_CORPUS, data/, or beside the checkout."""
    candidates = [R.ROOT / "data" / "goblet_book.txt", R.ROOT.parent / "shared" / "data" / "goblet_book.txt"]
    if os.environ.get("RNN_CORPUS"):
        candidates.insert(0, R.ROOT / os.environ["RNN_CORPUS"])
    return next((p for p in candidates if p.name == "goblet_book.txt" and p.is_file()), None)


@pytest.mark.skipif(the_book() is None, reason="the book is not on this machine (data/, RNN_CORPUS or ../shared/data)")
def test_the_real_book_has_the_courses_figures():
    text = trainer.read_book(the_book())
    assert len(text) == 1_107_542
    assert len(R.build_vocab(text)[0]) == 80


def test_the_default_corpus_is_the_one_make_builds():
    text, info, char_to_ind, _ = trainer.load_corpus(R.ROOT / "data" / "shakespeare.txt")
    assert info["sha256"].startswith("8ae223203a5bdf10") and len(text) == 1_099_853 and len(char_to_ind) == 63


def test_read_book_normalises_windows_line_endings(tmp_path):
    path = tmp_path / "book.txt"
    path.write_bytes("Harry\r\nPotter ü•\r\n".encode())
    assert trainer.read_book(path) == "Harry\nPotter ü•\n"


def test_vocab_encode_decode_round_trip():
    text = "hello, world"
    char_to_ind, ind_to_char = R.build_vocab(text)
    assert list(char_to_ind) == sorted(set(text))
    assert all(ind_to_char[i] == ch for ch, i in char_to_ind.items())
    assert R.decode(R.encode(text, char_to_ind), ind_to_char) == text


def test_a_relative_rnn_corpus_is_taken_from_the_repository_root(monkeypatch):
    monkeypatch.setenv("RNN_CORPUS", "data/shakespeare.txt")
    assert trainer.find_corpus() == R.ROOT / "data" / "shakespeare.txt"
    assert Path(trainer.load_corpus()[1]["name"]) == Path("shakespeare")
