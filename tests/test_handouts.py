"""The handout setting: which one a build answers, and what each one switches."""
import numpy as np
import pytest

import rnn_helpers as R
from report import helpers as H
from report.handouts import HANDOUTS, handout


@pytest.mark.parametrize("value, key", [(None, "2017"), ("", "2017"), ("2017", "2017"), ("2025", "2025"), (" 2025 ", "2025")])
def test_the_setting_picks_the_handout_and_defaults_to_2017(monkeypatch, value, key):
    if value is None:
        monkeypatch.delenv("RNN_HANDOUT", raising=False)
    else:
        monkeypatch.setenv("RNN_HANDOUT", value)
    assert handout().key == key and H.setup().handout is HANDOUTS[key]


@pytest.mark.parametrize("value", ["2024", "adam", "2025-26"])
def test_an_unknown_handout_is_refused_with_the_choices(monkeypatch, value):
    monkeypatch.setenv("RNN_HANDOUT", value)
    with pytest.raises(ValueError, match=f"must be one of 2017, 2025, got '{value}'"):
        handout()


def test_each_handout_trains_as_its_text_says():
    old, new = HANDOUTS["2017"].train_config(), HANDOUTS["2025"].train_config(seq_length=25)
    assert (old.optimizer, old.eta, old.loss, old.clip) == ("adagrad", 0.1, "sum", 5.0)
    assert (new.optimizer, new.eta, new.loss, new.clip) == ("adam", 0.001, "mean", None)
    assert HANDOUTS["2017"].init_sig(80, 100) == 0.01
    assert HANDOUTS["2025"].init_sig(80, 100) == pytest.approx({"U": 160 ** -0.5, "W": 200 ** -0.5, "V": 0.1})
    rnn = R.init_rnn(80, 100, sig=HANDOUTS["2025"].init_sig(80, 100), rng=np.random.default_rng(0))
    assert rnn["U"].std() == pytest.approx(160 ** -0.5, rel=0.03) and rnn["V"].std() == pytest.approx(0.1, rel=0.03)
    assert HANDOUTS["2017"].check_m[0] == 5 and HANDOUTS["2025"].check_m[0] == 10


def test_the_two_handouts_keep_their_runs_apart(monkeypatch, tmp_path):
    monkeypatch.setenv("RNN_RUNS", str(tmp_path))
    assert H.run_dir("book", HANDOUTS["2017"]) == tmp_path / "book"
    assert H.run_dir("book", HANDOUTS["2025"]) == tmp_path / "book-2025"
