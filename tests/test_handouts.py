"""The handout setting: which one a build answers, and what each one switches; the runs it keeps
apart, and what a notebook says when an earlier notebook's files are missing or are another
handout's (report.runs)."""
import hashlib
import json

import numpy as np
import pytest

import rnn_helpers as R
from report import runs
from report.handouts import HANDOUTS, handout


@pytest.mark.parametrize("value, key", [(None, "2017"), ("", "2017"), ("2017", "2017"), ("2025", "2025"), (" 2025 ", "2025")])
def test_the_setting_picks_the_handout_and_defaults_to_2017(monkeypatch, value, key):
    if value is None:
        monkeypatch.delenv("RNN_HANDOUT", raising=False)
    else:
        monkeypatch.setenv("RNN_HANDOUT", value)
    assert handout().key == key and runs.setup().handout is HANDOUTS[key]


@pytest.mark.parametrize("value", ["2024", "adam", "2025-26"])
def test_an_unknown_handout_is_refused_with_the_choices(monkeypatch, value):
    monkeypatch.setenv("RNN_HANDOUT", value)
    with pytest.raises(ValueError, match=f"must be one of 2017, 2025, got '{value}'"):
        handout()


def test_each_handout_trains_as_its_text_says():
    assert HANDOUTS["2017"].settings() == dict(optimizer="adagrad", eta=0.1, loss="sum", clip=5.0)
    assert HANDOUTS["2025"].settings(seq_length=25) == dict(optimizer="adam", eta=0.001, loss="mean", clip=None,
                                                            seq_length=25)
    assert HANDOUTS["2017"].init_sig(80, 100) == 0.01
    assert HANDOUTS["2025"].init_sig(80, 100) == pytest.approx({"U": 160 ** -0.5, "W": 200 ** -0.5, "V": 0.1})
    rnn = R.init_rnn(80, 100, sig=HANDOUTS["2025"].init_sig(80, 100), rng=np.random.default_rng(0))
    assert rnn["U"].std() == pytest.approx(160 ** -0.5, rel=0.03) and rnn["V"].std() == pytest.approx(0.1, rel=0.03)
    assert HANDOUTS["2017"].check_m[0] == 5 and HANDOUTS["2025"].check_m[0] == 10


def test_the_two_handouts_keep_their_runs_apart(monkeypatch, tmp_path):
    monkeypatch.setenv("RNN_RUNS", str(tmp_path))
    assert runs.run_dir("book", HANDOUTS["2017"]) == tmp_path / "book"
    assert runs.run_dir("book", HANDOUTS["2025"]) == tmp_path / "book-2025"


def tiny_corpus(monkeypatch, tmp_path, key="2017"):
    """A corpus of two characters whose runs are in tmp_path."""
    monkeypatch.setenv("RNN_RUNS", str(tmp_path))
    text = "ab"
    info = dict(name="tiny", characters=2, K=2, sha256=hashlib.sha256(text.encode()).hexdigest())
    return runs.Corpus(text, info, {"a": 0, "b": 1}, {0: "a", 1: "b"}, HANDOUTS[key])


def test_require_names_every_missing_file_and_every_notebook_to_run_first_in_order(monkeypatch, tmp_path):
    corpus = tiny_corpus(monkeypatch, tmp_path)
    with pytest.raises(FileNotFoundError) as missing:
        runs.require(corpus, "run.json", "best_model.npz", "comparison.json", "beyond_best.npz")
    message = str(missing.value)
    for name, notebook in [("run.json", "02_training"), ("best_model.npz", "02_training"),
                           ("comparison.json", "06_validation_and_order"), ("beyond_best.npz", "08_better_model")]:
        assert f"{name} (written by {notebook}.ipynb)" in message
    # notebook 7 adds to comparison.json what notebook 8 needs: it runs between them
    assert message.endswith("Run these notebooks first, in order: notebooks/02_training.ipynb, "
                            "notebooks/06_validation_and_order.ipynb, notebooks/07_batches_and_adam.ipynb, "
                            "notebooks/08_better_model.ipynb.")


def test_require_names_only_what_is_missing(monkeypatch, tmp_path):
    corpus = tiny_corpus(monkeypatch, tmp_path)
    corpus.runs.mkdir(parents=True)
    for name in ("run.json", "best_model.npz"):
        (corpus.runs / name).write_text("{}")
    runs.require(corpus, "run.json", "best_model.npz")                           # all there: no error
    with pytest.raises(FileNotFoundError, match=r"comparison.json \(written by 06_validation_and_order.ipynb\)\. "
                       r"Run these notebooks first, in order: notebooks/06_validation_and_order.ipynb\.$") as missing:
        runs.require(corpus, "run.json", "best_model.npz", "comparison.json")
    assert "run.json" not in str(missing.value).split("):")[-1]


def test_require_sees_a_run_that_a_later_notebook_adds_to_a_record(monkeypatch, tmp_path):
    corpus = tiny_corpus(monkeypatch, tmp_path)
    corpus.runs.mkdir(parents=True)
    (corpus.runs / "comparison.json").write_text(json.dumps({"runs": {"in order": {}, "random order": {}}}))
    runs.require(corpus, "comparison.json")
    with pytest.raises(FileNotFoundError, match="other optimizer.*notebooks/07_batches_and_adam.ipynb.$"):
        runs.require(corpus, "comparison.json", "comparison.json: other optimizer")
    (corpus.runs / "comparison.json").write_text(json.dumps({"runs": {"in order": {}, "other optimizer": {}}}))
    runs.require(corpus, "comparison.json", "comparison.json: other optimizer")


def test_require_refuses_a_file_it_does_not_know(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="unknown runs.json"):
        runs.require(tiny_corpus(monkeypatch, tmp_path), "runs.json")


def test_each_file_require_knows_is_written_by_its_notebook():
    for name, notebook in runs.WRITTEN_BY.items():
        cells = json.loads((R.ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        file, _, run = name.partition(": ")
        assert (run or file) in code, f"{notebook} does not write {name}"


def test_load_run_refuses_the_other_handouts_run(monkeypatch, tmp_path):
    corpus = tiny_corpus(monkeypatch, tmp_path)
    corpus.runs.mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="run notebooks/02_training.ipynb first"):
        runs.load_run(corpus)
    runs.write_json(corpus.runs / "run.json", dict(corpus=corpus.info, handout="2025"))
    with pytest.raises(ValueError, match="answers the handout '2025', not '2017'"):
        runs.load_run(corpus)
    runs.write_json(corpus.runs / "run.json", dict(corpus=corpus.info | {"sha256": "0" * 64}, handout="2017"))
    with pytest.raises(ValueError, match="another version of 'tiny'"):
        runs.load_run(corpus)
    runs.write_json(corpus.runs / "run.json", dict(corpus=corpus.info, handout="2017"))
    assert runs.load_run(corpus)["handout"] == "2017"
