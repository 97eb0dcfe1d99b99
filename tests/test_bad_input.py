"""Every bad input is stopped at the door, before any work, with an error that says what is wrong
and what to do; one test per class of mistake."""
import os

import numpy as np
import pytest

import rnn_helpers as R
import rnn_trainer as trainer
import rnn_trainer

pytestmark = pytest.mark.quick                   # `make check`

DATA = np.arange(5).repeat(100)


def model(K=5, m=4, **options):
    return R.init_rnn(K, m, rng=np.random.default_rng(0), **options)


# --- the corpus -------------------------------------------------------------------------------

def test_missing_corpus_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="make corpus"):
        trainer.read_book(tmp_path / "nope.txt")


def test_a_directory_or_a_pipe_is_no_corpus(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory"):
        trainer.read_book(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ValueError, match="not a regular file"):
        trainer.read_book(tmp_path / "fifo")


def test_an_unreadable_file_is_not_called_corrupt(tmp_path, monkeypatch):
    for path in (tmp_path / "book.txt", tmp_path / "model.npz"):
        path.write_bytes(b"x")
    monkeypatch.setattr(rnn_trainer.os, "access", lambda path, mode: False)     # root may read anything
    with pytest.raises(PermissionError, match="cannot be read"):
        trainer.read_book(tmp_path / "book.txt")
    with pytest.raises(PermissionError, match="cannot be read"):
        trainer.load_model(tmp_path / "model.npz")


def test_byte_order_mark_and_old_mac_line_ends_are_not_characters(tmp_path):
    path = tmp_path / "book.txt"
    path.write_bytes("\ufeffHarry\r\nPotter\rü•\r\n".encode())
    assert trainer.read_book(path) == "Harry\nPotter\nü•\n"


def test_find_corpus_follows_rnn_corpus(tmp_path, monkeypatch):
    book = tmp_path / "b.txt"
    book.write_text("abc")
    monkeypatch.setenv("RNN_CORPUS", str(book))
    assert trainer.find_corpus() == book
    monkeypatch.setenv("RNN_CORPUS", str(tmp_path / "missing.txt"))
    with pytest.raises(FileNotFoundError, match="not found"):
        trainer.load_corpus()
    monkeypatch.setenv("RNN_CORPUS", "")
    with pytest.raises(ValueError, match="RNN_CORPUS is set but empty"):
        trainer.find_corpus()


def test_non_utf8_corpus_names_the_byte(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("abc café".encode("latin-1"))
    with pytest.raises(ValueError, match="byte 7 is 0xe9"):
        trainer.read_book(path)


def test_empty_corpus(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="empty"):
        trainer.read_book(tmp_path / "empty.txt")


def test_unknown_characters_and_indices():
    char_to_ind, ind_to_char = R.build_vocab("abc")
    with pytest.raises(ValueError, match="'z'.*position 2"):
        R.encode("abz", char_to_ind)
    with pytest.raises(ValueError, match="Index 5"):
        R.decode([0, 5], ind_to_char)


@pytest.mark.parametrize("held_out", [0, 1, -0.1, 1.5, "0.05", float("nan")])
def test_held_out_share_must_be_between_0_and_1(held_out):
    with pytest.raises(ValueError, match="held_out"):
        R.split_corpus(DATA, held_out)


# --- the model --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    (dict(K=5, m=0), "m must"), (dict(K=5, m=-3), "m must"), (dict(K=0, m=5), "K must"),
    (dict(K=5, m=True), "m must"), (dict(K=5, m=4.0), "m must"), (dict(K=5, m=4, sig=-0.1), "sig"),
    (dict(K=5, m=4, sig=float("nan")), "sig"), (dict(K=5, m=4, dtype=np.float16), "dtype"),
    (dict(K=5, m=4, dtype=int), "dtype"),
])
def test_bad_model_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        R.init_rnn(**kwargs)


@pytest.mark.parametrize("change, match", [
    (lambda r: r.update(W=np.full((4, 4), np.nan)), "inf or nan"),
    (lambda r: r.update(V=r["V"] + 0j), "float32 or float64|float32, or all"),
    (lambda r: r.update(U=r["U"].astype(int)), "float32, or all"),
    (lambda r: r.update(b=r["b"].astype(np.float16)), "float32, or all"),
    (lambda r: r.update(c=r["c"].astype(np.float32)), "float32, or all"),
    (lambda r: r.update(W=np.zeros((3, 3))), "shape"),
    (lambda r: r.pop("c"), "dict of the NumPy arrays"),
    (lambda r: r.update(U=r["U"].tolist()), "NumPy arrays"),
])
def test_bad_parameters_are_refused_by_train_synthesize_and_save(change, match, tmp_path):
    rnn = model()
    change(rnn)
    for call in (lambda: trainer.train(rnn, DATA, 3), lambda: R.synthesize(rnn, np.zeros(4), 0, 5, np.random.default_rng()),
                 lambda: trainer.save_model(tmp_path / "m.npz", rnn, dict(enumerate("abcde")))):
        with pytest.raises(ValueError, match=match):
            call()
    assert not list(tmp_path.iterdir())


# --- training ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    (dict(n_updates=-1), "n_updates"), (dict(n_updates=3.0), "n_updates"), (dict(n_updates="3"), "n_updates"),
    (dict(eta=0), "eta"), (dict(eta=-0.1), "eta"), (dict(eta="0.1"), "eta"), (dict(eta=float("inf")), "eta"),
    (dict(eta=True), "eta"), (dict(seq_length=0), "seq_length"), (dict(seq_length=2.5), "seq_length"),
    (dict(eps=0), "eps"), (dict(eps=-1e-8), "eps"), (dict(clip=0), "clip"), (dict(clip=-5), "clip"),
    (dict(clip=float("nan")), "clip"), (dict(loss="average"), "loss"), (dict(loss=None), "loss"), (dict(time_budget=0), "time_budget"), (dict(time_budget=-1), "time_budget"),
    (dict(time_budget=float("nan")), "time_budget"), (dict(batch_size=0), "batch_size"),
    (dict(batch_size=True), "batch_size"), (dict(optimizer="sgd"), "optimizer"), (dict(decay="yes"), "decay"),
    (dict(chunk_length=3), "chunk_length"), (dict(validate_every=0), "validate_every"),
    (dict(checkpoint_every=2.0), "checkpoint_every"), (dict(batch_size=50), "per stream"),
    (dict(chunk_length=400, batch_size=2), "chunk_length"), (dict(betas=(0.9,)), "betas"),
    (dict(betas=(0.9, 1.0)), "betas"), (dict(betas="0.9"), "betas"), (dict(betas=(True, 0.99)), "betas"),
    (dict(betas=(-0.1, 0.99)), "betas"),
])
def test_bad_training_settings(kwargs, match):
    rnn = model()
    before = {k: v.copy() for k, v in rnn.items()}
    args = dict(n_updates=3) | kwargs
    with pytest.raises(ValueError, match=match):
        trainer.train(rnn, DATA, args.pop("n_updates"), **args)
    for k in R.PARAMS:
        np.testing.assert_array_equal(rnn[k], before[k])           # refused before any work


def test_an_unknown_option_is_named():
    with pytest.raises(TypeError, match="learning_rate"):
        trainer.train(model(), DATA, 3, learning_rate=0.1)


def test_numpy_integers_are_good_settings_and_checkpoint_as_json(tmp_path):
    state = trainer.train(model(), DATA, np.int64(12), seq_length=np.int64(10), batch_size=np.int32(2), eta=np.float32(0.1),
                          checkpoint=tmp_path / "ck.npz", ind_to_char=dict(enumerate("abcde")))
    _, loaded, _, _ = trainer.load_checkpoint(tmp_path / "ck.npz")
    assert loaded.config == state.config and type(loaded.config.seq_length) is int


def test_bad_data_and_validation_text():
    for data, match in [(np.arange(10).repeat(5), "vocabulary"), (DATA.astype(float), "encoded"),
                        (DATA.reshape(10, -1), "encoded"), (np.arange(5).repeat(5), "at least seq_length")]:
        with pytest.raises(ValueError, match=match):
            trainer.train(model(), data, 3)
    with pytest.raises(ValueError, match="validation has 1 characters"):
        trainer.train(model(), DATA, 3, validation=DATA[:1])
    with pytest.raises(ValueError, match="validation has 80 characters; its loss is scored after a burn-in of 100"):
        trainer.train(model(), DATA, 3, validation=DATA[:80])
    with pytest.raises(ValueError, match="after its first burn_in = 100 characters; this one has 50"):
        trainer.evaluate(model(), DATA[:50])


def test_a_checkpoint_needs_the_vocabulary_that_fits_the_model(tmp_path):
    with pytest.raises(ValueError, match="needs ind_to_char"):
        trainer.train(model(), DATA, 3, checkpoint=tmp_path / "ck.npz")
    with pytest.raises(ValueError, match="ind_to_char must map 0..4"):
        trainer.train(model(), DATA, 3, checkpoint=tmp_path / "ck.npz", ind_to_char=dict(enumerate("abc")))
    assert not list(tmp_path.iterdir())


def test_resuming_with_other_settings_is_refused():
    state = trainer.train(model(), DATA, 3)
    with pytest.raises(ValueError, match="trained with"):
        trainer.train(model(), DATA, 3, state=state, eta=0.2)


# --- synthesis and files ----------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    (dict(n=-1), "n must"), (dict(n=2.0), "n must"), (dict(temperature=0), "temperature"),
    (dict(temperature=-1), "temperature"), (dict(temperature="1"), "temperature"), (dict(top_p=0), "top_p"),
    (dict(top_p=1.5), "top_p"), (dict(x0=7), "vocabulary"), (dict(x0=-1), "vocabulary"), (dict(x0=1.0), "vocabulary"),
    (dict(h0=np.zeros(5)), "h0 must"), (dict(h0=np.full(4, np.nan)), "h0 must"), (dict(h0=np.zeros((2, 4))), "h0 must"),
])
def test_bad_synthesis_arguments(kwargs, match):
    args = dict(x0=0, n=5, h0=np.zeros(4)) | kwargs
    with pytest.raises(ValueError, match=match):
        R.synthesize(model(7), args.pop("h0"), args.pop("x0"), args.pop("n"), np.random.default_rng(), **args)


def test_checkpoint_from_another_vocabulary(tmp_path):
    trainer.save_model(tmp_path / "m.npz", R.init_rnn(3, 4), {0: "a", 1: "b", 2: "c"})
    with pytest.raises(ValueError, match="another vocabulary"):
        trainer.load_model(tmp_path / "m.npz", {"a": 0, "b": 1, "d": 2})


def test_corrupt_and_missing_checkpoints(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="corrupt"):
        trainer.load_checkpoint(tmp_path / "bad.npz")
    trainer.save_model(tmp_path / "model_only.npz", R.init_rnn(3, 4), {0: "a", 1: "b", 2: "c"})
    with pytest.raises(ValueError, match="a model without a training state"):
        trainer.load_checkpoint(tmp_path / "model_only.npz")
    with pytest.raises(FileNotFoundError, match="Train a model first"):
        trainer.load_model(tmp_path / "missing.npz")


def test_a_diverged_model_file_is_corrupt(tmp_path):
    rnn = R.init_rnn(3, 4)
    np.savez(tmp_path / "m.npz", **(rnn | {"W": np.full((4, 4), np.inf), "chars": np.array([97, 98, 99])}))
    with pytest.raises(ValueError, match="corrupt.*inf or nan"):
        trainer.load_model(tmp_path / "m.npz")


def _checkpoint(tmp_path, **changes):
    """A checkpoint of a short run, with some of its arrays changed; its path."""
    vocab = dict(enumerate("abcde"))
    trainer.train(model(), DATA, 6, checkpoint=tmp_path / "ck.npz", ind_to_char=vocab)
    arrays = dict(np.load(tmp_path / "ck.npz")) | changes
    np.savez(tmp_path / "changed.npz", **arrays)
    return tmp_path / "changed.npz"


def test_a_best_model_is_not_taken_for_a_broken_checkpoint(tmp_path):
    trainer.save_model(tmp_path / "best.npz", model(), dict(enumerate("abcde")), h0=np.zeros(4), x0=np.array(0))
    with pytest.raises(ValueError, match="a model without a training state .* load it with load_model") as err:
        trainer.load_checkpoint(tmp_path / "best.npz")
    assert "delete" not in str(err.value)


def test_a_checkpoint_with_nan_moments_is_corrupt_not_a_divergence(tmp_path):
    path = _checkpoint(tmp_path, m_W=np.full((4, 4), np.nan))
    with pytest.raises(ValueError, match="corrupt: its m moments hold inf or nan") as err:
        trainer.load_checkpoint(path)
    assert "eta" not in str(err.value)


@pytest.mark.parametrize("other, match", [(dict(m=6), r"whose U is float64 \(4, 5\); this one's is float64 \(6, 5\)"),
                                          (dict(dtype=np.float32), "float64 .* this one's is float32")])
def test_resuming_with_another_model_names_what_differs(tmp_path, other, match):
    _, state, _, _ = trainer.load_checkpoint(_checkpoint(tmp_path))
    with pytest.raises(ValueError, match=match):
        trainer.train(model(**other), DATA, 3, state=state)


def test_a_checkpoint_with_a_hidden_state_of_the_wrong_shape_is_refused(tmp_path):
    rnn, state, _, _ = trainer.load_checkpoint(_checkpoint(tmp_path, hprev=np.zeros(3)))
    with pytest.raises(ValueError, match=r"corrupt: its hidden state has shape \(3,\), not \(4,\)"):
        trainer.train(rnn, DATA, 3, state=state)


def test_a_vocabulary_beyond_unicode_is_corrupt(tmp_path):
    path = _checkpoint(tmp_path, chars=np.array([97, 98, 99, 100, 0x110000], dtype=np.int64))
    with pytest.raises(ValueError, match="no character"):
        trainer.load_model(path)


def test_booleans_and_wrong_states_in_synthesis_and_gradients_through_time():
    rnn, x = model(), np.array([1, 2, 3])
    with pytest.raises(ValueError, match="temperature"):
        R.synthesize(rnn, np.zeros(4), 0, 5, np.random.default_rng(), temperature=True)
    with pytest.raises(ValueError, match="top_p"):
        R.synthesize(rnn, np.zeros(4), 0, 5, np.random.default_rng(), top_p=True)
    with pytest.raises(ValueError, match=r"h0 must be .* shape \(4,\), got shape \(3,\)"):
        R.gradient_through_time(rnn, x, x, np.zeros(3))
    with pytest.raises(ValueError, match="one sequence"):
        R.gradient_through_time(rnn, x[:, None], x[:, None], np.zeros(4))
