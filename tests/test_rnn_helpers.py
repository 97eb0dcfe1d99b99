"""Tests of rnn_helpers: the math against independent computations, the course's training rules,
checkpoints, and the errors users get for bad input."""
import math
import string
from pathlib import Path

import numpy as np
import pytest

import rnn_helpers as R

BOOK = R.ROOT.parent / "shared" / "data" / "goblet_book.txt"
CHARS = sorted(set(string.printable) - set("\x0b\x0c\r"))[:80]         # a K = 80 vocabulary


def sequence(K, T, seed=0):
    data = np.random.default_rng(seed).integers(0, K, T + 1)
    return data[:-1], data[1:]


def spy_on_forward(monkeypatch):
    """Record (X, Y, h0, loss) of every forward pass that train makes."""
    seen, real_forward = [], R.forward

    def spy(rnn, X, Y, h0):
        loss, cache = real_forward(rnn, X, Y, h0)
        seen.append((X.copy(), Y.copy(), np.copy(h0), loss))
        return loss, cache
    monkeypatch.setattr(R, "forward", spy)
    return seen


# --- data -----------------------------------------------------------------------------------

def test_read_book_normalises_windows_line_endings(tmp_path):
    path = tmp_path / "book.txt"
    path.write_bytes("Harry\r\nPotter ü•\r\n".encode())
    assert R.read_book(path) == "Harry\nPotter ü•\n"


@pytest.mark.skipif(not BOOK.is_file(), reason="the book is not beside the checkout (../shared/data)")
def test_the_real_book_has_the_courses_figures():
    text = R.read_book(BOOK)
    assert len(text) == 1_107_542
    assert len(R.build_vocab(text)[0]) == 80


def test_vocab_encode_decode_round_trip():
    text = "hello, world"
    char_to_ind, ind_to_char = R.build_vocab(text)
    assert list(char_to_ind) == sorted(set(text))
    assert all(ind_to_char[i] == ch for ch, i in char_to_ind.items())
    assert R.decode(R.encode(text, char_to_ind), ind_to_char) == text


# --- the model ----------------------------------------------------------------------------

def test_init_rnn_shapes_and_distribution():
    rnn = R.init_rnn(80, 100, sig=0.01, rng=np.random.default_rng(1))
    assert {k: v.shape for k, v in rnn.items()} == {"U": (100, 80), "W": (100, 100), "V": (80, 100),
                                                     "b": (100,), "c": (80,)}
    assert not rnn["b"].any() and not rnn["c"].any()
    assert rnn["W"].mean() == pytest.approx(0, abs=3e-4) and rnn["W"].std() == pytest.approx(0.01, rel=0.02)


def test_loss_of_a_model_with_zero_parameters_is_T_log_K():
    rnn = R.init_rnn(7, 3, sig=0.0)
    x, y = sequence(7, 10)
    assert R.compute_loss(rnn, x, y, np.zeros(3)) == pytest.approx(10 * math.log(7))


def test_loss_on_a_hand_checkable_case():
    # K = 2, m = 1, two steps, every quantity written out with scalars
    rnn = {"U": np.array([[0.5, -1.0]]), "W": np.array([[2.0]]), "V": np.array([[1.5], [-0.5]]),
           "b": np.array([0.1]), "c": np.array([0.0, 0.2])}
    x, y, h = [0, 1], [1, 0], 0.3
    expected = 0.0
    for xt, yt in zip(x, y):
        h = math.tanh(2.0 * h + [0.5, -1.0][xt] + 0.1)
        o = [1.5 * h, -0.5 * h + 0.2]
        expected -= o[yt] - math.log(math.exp(o[0]) + math.exp(o[1]))
    assert R.compute_loss(rnn, x, y, np.array([0.3])) == pytest.approx(expected, rel=1e-13)


@pytest.fixture(scope="module", params=[5, 100], ids=lambda m: f"m={m}")
def gradients(request):
    """Analytic, central-difference and complex-step gradients, T = 25, float64, course's init."""
    m, K, T = request.param, 80, 25
    rnn = R.init_rnn(K, m, sig=0.01, rng=np.random.default_rng(m))
    x, y = sequence(K, T, seed=m)
    h0 = np.zeros(m)
    return (R.compute_grads(rnn, x, y, h0), R.compute_grads_num(rnn, x, y, h0, h=1e-4),
            R.compute_grads_complex(rnn, x, y, h0))


def test_analytic_gradients_match_complex_step_on_every_entry(gradients):
    # |ga - gn| / max(1e-12, |ga| + |gn|) < 1e-6 on every entry, with a numerical gradient that is
    # exact to rounding: the bound holds with a large margin
    analytic, _, exact = gradients
    for k in R.PARAMS:
        assert analytic[k].shape == exact[k].shape
        assert R.relative_error(analytic[k], exact[k]) < 1e-9, k


def test_analytic_gradients_match_central_differences(gradients):
    # Central differences with h = 1e-4 are accurate to about 1e-9 in absolute terms (truncation
    # h^2 f'''/6 plus rounding), so entries near zero can show large entrywise relative errors;
    # the absolute difference and the relative error of the whole array are the sound measures.
    analytic, central, _ = gradients
    for k, c in R.compare_gradients(analytic, central).items():
        assert c["max_abs"] < 1e-8 and c["array_rel"] < 1e-6, k


def test_where_central_differences_disagree_the_error_is_theirs(gradients):
    analytic, central, exact = gradients
    for k in R.PARAMS:
        np.testing.assert_allclose(np.abs(central[k] - analytic[k]), np.abs(central[k] - exact[k]),
                                   rtol=1e-2, atol=1e-12, err_msg=k)


def test_a_wrong_gradient_is_caught():
    rnn = R.init_rnn(10, 4, rng=np.random.default_rng(0))
    x, y = sequence(10, 25)
    good = R.compute_grads(rnn, x, y, np.zeros(4))
    numeric = R.compute_grads_num(rnn, x, y, np.zeros(4))
    assert R.relative_error(good["W"] * 1.001, numeric["W"]) > 1e-4


def test_batched_sequences_give_the_sum_of_their_losses_and_gradients():
    K, m, T, B = 9, 6, 7, 3
    rnn = R.init_rnn(K, m, sig=0.2, rng=np.random.default_rng(0))
    X, Y = np.random.default_rng(1).integers(0, K, (2, T, B))
    H0 = np.random.default_rng(2).uniform(-0.5, 0.5, (B, m))
    loss, cache = R.forward(rnn, X, Y, H0)
    grads = R.backward(rnn, cache)
    singles = [R.forward(rnn, X[:, i], Y[:, i], H0[i]) for i in range(B)]
    assert loss == pytest.approx(sum(s[0] for s in singles), rel=1e-12)
    for k in R.PARAMS:
        np.testing.assert_allclose(grads[k], sum(R.backward(rnn, s[1])[k] for s in singles), atol=1e-12)


# --- synthesis ----------------------------------------------------------------------------

def constant_model(p):
    """A model whose every p_t is p: with U = W = V = 0, h_t = 0 and p_t = softmax(c)."""
    K = len(p)
    rnn = R.init_rnn(K, 4, sig=0.0)
    rnn["c"] = np.log(np.asarray(p, dtype=float))
    return rnn


def test_tiny_temperature_samples_the_most_likely_character():
    K, m = 15, 8
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(0))
    out = R.synthesize(rnn, np.zeros(m), 3, 40, np.random.default_rng(1), temperature=1e-4)
    h, x = np.zeros(m), 3                                  # greedy decoding, step by step
    for sampled in out:
        h = np.tanh(rnn["W"] @ h + rnn["U"][:, x] + rnn["b"])
        x = int(np.argmax(rnn["V"] @ h + rnn["c"]))
        assert sampled == x


def test_nucleus_keeps_the_smallest_most_likely_set():
    p = np.array([0.125, 0.5, 0.25, 0.125])
    np.testing.assert_array_equal(R.nucleus(p, 0.5), [0, 1, 0, 0])
    np.testing.assert_allclose(R.nucleus(p, 0.75), [0, 2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(R.nucleus(p, 0.8), [0.125 / 0.875, 0.5 / 0.875, 0.25 / 0.875, 0])
    np.testing.assert_allclose(R.nucleus(p, 1.0), p)


def test_top_p_samples_only_from_the_nucleus():
    out = R.synthesize(constant_model([0.125, 0.5, 0.25, 0.125]), np.zeros(4), 0, 3000,
                       np.random.default_rng(0), top_p=0.75)
    counts = np.bincount(out, minlength=4)
    assert counts[0] == counts[3] == 0
    assert counts[1] / counts.sum() == pytest.approx(2 / 3, abs=0.03)


def test_sample_frequencies_match_p():
    p = np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.03, 0.01])
    n = 20_000
    counts = np.bincount(R.synthesize(constant_model(p), np.zeros(4), 0, n, np.random.default_rng(7)),
                         minlength=len(p))
    chi2 = ((counts - n * p) ** 2 / (n * p)).sum()
    assert chi2 < 22.46                    # the 0.999 quantile of chi-square with 6 degrees of freedom


def test_synthesis_is_reproducible_with_a_seed():
    rnn = R.init_rnn(20, 10, sig=0.3, rng=np.random.default_rng(0))
    a = R.synthesize(rnn, np.zeros(10), 0, 50, np.random.default_rng(5))
    b = R.synthesize(rnn, np.zeros(10), 0, 50, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


# --- training -------------------------------------------------------------------------------

def test_one_adagrad_step_is_the_formula():
    K, m = 10, 6
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    before = {k: v.copy() for k, v in rnn.items()}
    g = R.compute_grads(before, data[:25], data[1:26], np.zeros(m))
    R.train(rnn, data, 1, eta=0.1)
    for k in R.PARAMS:
        gk = np.clip(g[k], -5, 5)
        np.testing.assert_allclose(rnn[k], before[k] - 0.1 * gk / np.sqrt(gk ** 2 + 1e-8), rtol=1e-12,
                                   atol=1e-15)


def test_gradients_are_clipped_before_the_update():
    K, m = 10, 6
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=3.0, rng=np.random.default_rng(1))        # huge gradients
    before = {k: v.copy() for k, v in rnn.items()}
    g = R.compute_grads(before, data[:25], data[1:26], np.zeros(m))
    assert max(np.abs(v).max() for v in g.values()) > 5
    state = R.train(rnn, data, 1)
    for k in R.PARAMS:
        np.testing.assert_allclose(state.moments["m"][k], np.clip(g[k], -5, 5) ** 2, rtol=1e-12)


def test_sequence_hidden_state_and_epoch_rules_on_a_tiny_book():
    K, m, T = 6, 4, 25
    data = np.random.default_rng(0).integers(0, K, 60)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    seen = []
    R.train(rnn, data, 5, seq_length=T, hook=lambda u, rnn, hprev, x0, st: seen.append(
        (u, st.e, st.epoch, hprev.copy(), x0)), hook_at=range(1, 6))
    # 60 characters hold sequences at e = 0 and e = 25; e = 50 would need data[75]: a new epoch
    assert [(u, e, epoch) for u, e, epoch, _, _ in seen] == [(1, 0, 1), (2, 25, 1), (3, 0, 2), (4, 25, 2),
                                                             (5, 0, 3)]
    assert [x0 for *_, x0 in seen] == [data[0], data[25], data[0], data[25], data[0]]
    assert not seen[0][3].any() and not seen[2][3].any() and not seen[4][3].any()   # h = 0 per epoch
    assert seen[1][3].any() and seen[3][3].any()                                    # carried over


def test_hprev_carried_over_is_the_last_hidden_state_of_the_previous_sequence():
    K, m = 6, 4
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    first = {k: v.copy() for k, v in rnn.items()}
    _, cache = R.forward(first, data[:25], data[1:26], np.zeros(m))
    seen = []
    R.train(rnn, data, 2, hook=lambda u, rnn, hprev, x0, st: seen.append(hprev.copy()), hook_at=[2])
    np.testing.assert_array_equal(seen[0], cache.H[-1])


def test_smooth_loss_and_best_model(monkeypatch):
    K, m = 8, 10
    data = np.random.default_rng(0).integers(0, 3, 3000)       # an easy text: only 3 characters
    rnn = R.init_rnn(K, m, rng=np.random.default_rng(1))
    seen = spy_on_forward(monkeypatch)
    state = R.train(rnn, data, 300)
    losses = [loss for *_, loss in seen]
    expected = [losses[0]]
    for loss in losses[1:]:
        expected.append(0.999 * expected[-1] + 0.001 * loss)
    np.testing.assert_allclose(state.smooth_loss, expected, rtol=1e-12)
    assert state.best_update == int(np.argmin(state.smooth_loss)) + 1
    assert state.best_smooth_loss == pytest.approx(state.smooth_loss.min())
    assert state.smooth_loss[-1] < state.smooth_loss[0]


def test_float32_training_stays_float32():
    data = np.random.default_rng(0).integers(0, 8, 500)
    rnn = R.init_rnn(8, 10, rng=np.random.default_rng(1), dtype=np.float32)
    R.train(rnn, data, 20)
    assert all(v.dtype == np.float32 for v in rnn.values())


# --- checkpoints ----------------------------------------------------------------------------

def training_run(tmp_path, n_updates, state=None, rnn=None, checkpoint=None):
    K, m = 8, 12
    data = np.random.default_rng(0).integers(0, K, 400)
    ind_to_char = dict(enumerate("abcdefgh"))
    rnn = rnn or R.init_rnn(K, m, rng=np.random.default_rng(1))
    samples = []

    def hook(update, rnn, hprev, x0, st):
        samples.append(R.synthesize(rnn, hprev, x0, 20, st.rng))
    state = R.train(rnn, data, n_updates, state=state, rng=np.random.default_rng(9), hook=hook,
                    hook_at=range(1, 100, 7), checkpoint=checkpoint, checkpoint_every=10,
                    ind_to_char=ind_to_char)
    return rnn, state, samples


def test_checkpoint_round_trip(tmp_path):
    rnn, state, _ = training_run(tmp_path, 25, checkpoint=tmp_path / "ck.npz")
    rnn2, state2, char_to_ind, ind_to_char = R.load_checkpoint(tmp_path / "ck.npz")
    assert ind_to_char == dict(enumerate("abcdefgh"))
    for k in R.PARAMS:
        np.testing.assert_array_equal(rnn[k], rnn2[k])
        np.testing.assert_array_equal(state.best_rnn[k], state2.best_rnn[k])
        np.testing.assert_array_equal(state.moments["m"][k], state2.moments["m"][k])
    np.testing.assert_array_equal(state.smooth_loss, state2.smooth_loss)
    np.testing.assert_array_equal(state.hprev, state2.hprev)
    assert (state2.update, state2.e, state2.step, state2.epoch, state2.best_update) == \
           (state.update, state.e, state.step, state.epoch, state.best_update)
    assert state2.rng.bit_generator.state == state.rng.bit_generator.state
    assert not list(tmp_path.glob("*.tmp"))


def test_resuming_from_a_checkpoint_is_bit_for_bit(tmp_path):
    rnn_full, full, samples_full = training_run(tmp_path, 100)
    _, _, samples_a = training_run(tmp_path, 40, checkpoint=tmp_path / "ck.npz")
    rnn, state, _, _ = R.load_checkpoint(tmp_path / "ck.npz")
    rnn, resumed, samples_b = training_run(tmp_path, 60, state=state, rnn=rnn)
    for k in R.PARAMS:
        np.testing.assert_array_equal(rnn[k], rnn_full[k])
        np.testing.assert_array_equal(resumed.best_rnn[k], full.best_rnn[k])
    np.testing.assert_array_equal(resumed.smooth_loss, full.smooth_loss)
    assert len(samples_a + samples_b) == len(samples_full)
    for a, b in zip(samples_a + samples_b, samples_full):
        np.testing.assert_array_equal(a, b)


def test_same_seed_same_result(tmp_path):
    a, sa, _ = training_run(tmp_path, 30)
    b, sb, _ = training_run(tmp_path, 30)
    np.testing.assert_array_equal(sa.smooth_loss, sb.smooth_loss)
    np.testing.assert_array_equal(a["W"], b["W"])


def test_model_file_holds_the_vocabulary(tmp_path):
    rnn = R.init_rnn(3, 4, rng=np.random.default_rng(0))
    R.save_model(tmp_path / "m.npz", rnn, {0: "a", 1: "b", 2: "•"})
    with np.load(tmp_path / "m.npz") as z:
        assert sorted(z.files) == ["U", "V", "W", "b", "c", "chars"]
        assert list(z["chars"]) == ["a", "b", "•"]
    rnn2, char_to_ind, _ = R.load_model(tmp_path / "m.npz", {"a": 0, "b": 1, "•": 2})
    np.testing.assert_array_equal(rnn2["U"], rnn["U"])


# --- errors ---------------------------------------------------------------------------------

def test_missing_corpus_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="make corpus"):
        R.read_book(tmp_path / "nope.txt")


def test_find_corpus_follows_rnn_corpus(tmp_path, monkeypatch):
    book = tmp_path / "b.txt"
    book.write_text("abc")
    monkeypatch.setenv("RNN_CORPUS", str(book))
    assert R.find_corpus() == book
    monkeypatch.setenv("RNN_CORPUS", str(tmp_path / "missing.txt"))
    with pytest.raises(FileNotFoundError, match="RNN_CORPUS"):
        R.find_corpus()


def test_non_utf8_corpus_names_the_byte(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("abc café".encode("latin-1"))
    with pytest.raises(ValueError, match="byte 7 is 0xe9"):
        R.read_book(path)


def test_empty_corpus(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="empty"):
        R.read_book(tmp_path / "empty.txt")


def test_corpus_shorter_than_a_sequence():
    rnn = R.init_rnn(5, 4)
    with pytest.raises(ValueError, match="at least seq_length"):
        R.train(rnn, np.arange(5).repeat(5), 10)             # 25 characters, 26 needed


@pytest.mark.parametrize("kwargs, match", [
    (dict(K=5, m=0), "m must"), (dict(K=5, m=-3), "m must"), (dict(K=0, m=5), "K and m"),
    (dict(K=5, m=4, sig=-0.1), "sig"),
])
def test_bad_model_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        R.init_rnn(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_updates=-1), "n_updates"), (dict(eta=0), "eta"), (dict(eta=-0.1), "eta"),
    (dict(seq_length=0), "seq_length"), (dict(seq_length=-5), "seq_length"),
])
def test_bad_training_hyper_parameters(kwargs, match):
    rnn = R.init_rnn(5, 4)
    args = dict(n_updates=3) | kwargs
    with pytest.raises(ValueError, match=match):
        R.train(rnn, np.arange(5).repeat(20), args.pop("n_updates"), **args)


def test_data_outside_the_vocabulary():
    with pytest.raises(ValueError, match="vocabulary"):
        R.train(R.init_rnn(5, 4), np.arange(10).repeat(5), 3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=-1), "n must"), (dict(temperature=0), "temperature"), (dict(temperature=-1), "temperature"),
    (dict(top_p=0), "top_p"), (dict(top_p=1.5), "top_p"), (dict(x0=7), "vocabulary"), (dict(x0=-1), "vocabulary"),
])
def test_bad_synthesis_arguments(kwargs, match):
    args = dict(x0=0, n=5) | kwargs
    with pytest.raises(ValueError, match=match):
        R.synthesize(R.init_rnn(7, 4), np.zeros(4), args.pop("x0"), args.pop("n"), np.random.default_rng(),
                     **args)


def test_unknown_characters_and_indices():
    char_to_ind, ind_to_char = R.build_vocab("abc")
    with pytest.raises(ValueError, match="'z'.*position 2"):
        R.encode("abz", char_to_ind)
    with pytest.raises(ValueError, match="Index 5"):
        R.decode([0, 5], ind_to_char)


def test_checkpoint_from_another_vocabulary(tmp_path):
    R.save_model(tmp_path / "m.npz", R.init_rnn(3, 4), {0: "a", 1: "b", 2: "c"})
    with pytest.raises(ValueError, match="another vocabulary"):
        R.load_model(tmp_path / "m.npz", {"a": 0, "b": 1, "d": 2})


def test_corrupt_and_missing_checkpoints(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="corrupt"):
        R.load_checkpoint(tmp_path / "bad.npz")
    R.save_model(tmp_path / "model_only.npz", R.init_rnn(3, 4), {0: "a", 1: "b", 2: "c"})
    with pytest.raises(ValueError, match="not a complete checkpoint"):
        R.load_checkpoint(tmp_path / "model_only.npz")
    with pytest.raises(FileNotFoundError, match="train a model first"):
        R.load_model(tmp_path / "missing.npz")


def test_diverging_training_stops_and_keeps_the_best_model(tmp_path):
    K, m = 6, 5
    data = np.random.default_rng(0).integers(0, K, 500)
    rnn = R.init_rnn(K, m, rng=np.random.default_rng(1))
    ck = tmp_path / "ck.npz"
    R.train(rnn, data, 10, checkpoint=ck, checkpoint_every=5, ind_to_char=dict(enumerate("abcdef")))
    saved = ck.read_bytes()
    rnn["V"][0, 0] = np.inf                                   # what an exploding update leaves behind
    _, state, _, _ = R.load_checkpoint(ck)
    with pytest.raises(R.TrainingDiverged, match="update 11") as err:
        R.train(rnn, data, 10, state=state, checkpoint=ck, checkpoint_every=5)
    assert np.isfinite(err.value.state.best_rnn["V"]).all()
    assert ck.read_bytes() == saved                          # the last good checkpoint is kept


# --- beyond the assignment: mini-batches, Adam, random order, validation --------------------

def test_batched_gradients_match_complex_step():
    K, m, T, B = 11, 7, 25, 4
    rnn = R.init_rnn(K, m, sig=0.1, rng=np.random.default_rng(0))
    X, Y = np.random.default_rng(1).integers(0, K, (2, T, B))
    H0 = np.random.default_rng(2).uniform(-0.5, 0.5, (B, m))
    analytic, exact = R.compute_grads(rnn, X, Y, H0), R.compute_grads_complex(rnn, X, Y, H0)
    for k in R.PARAMS:
        assert R.relative_error(analytic[k], exact[k]) < 1e-9, k


def test_one_adam_step_is_the_formula():
    K, m = 10, 6
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    before = {k: v.copy() for k, v in rnn.items()}
    grads = [R.compute_grads(before, data[:25], data[1:26], np.zeros(m))]
    R.train(rnn, data, 1, eta=0.01, optimizer="adam")
    after_one = {k: v.copy() for k, v in rnn.items()}
    _, cache = R.forward(before, data[:25], data[1:26], np.zeros(m))
    grads.append(R.compute_grads(after_one, data[25:50], data[26:51], cache.H[-1]))
    R.train(rnn := {k: v.copy() for k, v in before.items()}, data, 2, eta=0.01, optimizer="adam")
    b1, b2, eps = 0.9, 0.999, 1e-8
    for k in R.PARAMS:
        theta, mo, v = before[k], 0.0, 0.0
        for t, g in enumerate(grads, start=1):
            g = np.clip(g[k], -5, 5)
            mo, v = b1 * mo + (1 - b1) * g, b2 * v + (1 - b2) * g ** 2
            theta = theta - 0.01 * (mo / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
            if t == 1:
                np.testing.assert_allclose(after_one[k], theta, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(rnn[k], theta, rtol=1e-10, atol=1e-14)


def test_mini_batches_read_b_streams_side_by_side(monkeypatch):
    K, m, T, B = 6, 4, 5, 3
    data = np.random.default_rng(0).integers(0, K, 3 * 40)          # three streams of 40 characters
    seen = spy_on_forward(monkeypatch)
    state = R.train(R.init_rnn(K, m, rng=np.random.default_rng(1)), data, 9, seq_length=T, batch_size=B)
    per_epoch = R.updates_per_epoch(40, T)                             # 7 sequences per stream
    for u, (X, Y, h0, _) in enumerate(seen):
        e = (u % per_epoch) * T
        for b in range(B):
            np.testing.assert_array_equal(X[:, b], data[b * 40 + e:b * 40 + e + T])
            np.testing.assert_array_equal(Y[:, b], data[b * 40 + e + 1:b * 40 + e + T + 1])
        assert h0.shape == (B, m) and h0.any() == (u % per_epoch != 0)
    assert state.epoch == 2 and state.smooth_loss.shape == (9,)


def test_random_order_visits_every_chunk_once_per_epoch_from_h0(monkeypatch):
    T, C, n_chunks, B = 4, 13, 10, 2               # a chunk of 13 holds sequences at 0, 4 and 8
    data = np.arange(n_chunks * C)                 # each character is its own position
    seen = spy_on_forward(monkeypatch)
    state = R.train(R.init_rnn(len(data), 3, rng=np.random.default_rng(0)), data, 60, seq_length=T,
                    chunk_length=C, batch_size=B, rng=np.random.default_rng(3))
    assert state.epoch == 4                         # 3 sequences x 10 chunks / 2 streams = 15 per epoch
    orders = [np.random.default_rng(3).permutation(n_chunks)]
    for epoch in range(4):
        updates = seen[epoch * 15:(epoch + 1) * 15]
        chunks = [X[0, b] // C for X, *_ in updates[::3] for b in range(B)]
        assert sorted(chunks) == list(range(n_chunks))                 # every chunk once
        for i, (X, _, h0, _) in enumerate(updates):
            np.testing.assert_array_equal(X[:, 0] % C, np.arange(T) + (i % 3) * T)   # in order within it
            assert (i % 3 == 0) == (not h0.any())                      # h = 0 as a chunk starts
    assert len({tuple((X[0] // C).tolist()) for X, *_ in seen[::3]}) > 4            # the order changes


def test_held_out_text_is_never_trained_on(monkeypatch):
    data = np.arange(1000)                          # each character is its own position
    train_part, held_out = R.split_corpus(data, 0.05)
    assert len(held_out) == 50
    np.testing.assert_array_equal(np.concatenate([train_part, held_out]), data)
    for options in (dict(), dict(batch_size=4), dict(chunk_length=100, batch_size=3)):
        seen = spy_on_forward(monkeypatch)
        R.train(R.init_rnn(len(data), 3, rng=np.random.default_rng(1)), train_part, 200, **options)
        assert max(Y.max() for _, Y, *_ in seen) < len(train_part)        # no target in the held-out part


def test_evaluate_is_the_mean_loss_per_character():
    K, m = 6, 5
    rnn = R.init_rnn(K, m, sig=0.3, rng=np.random.default_rng(0))
    data = np.random.default_rng(1).integers(0, K, 1001)
    assert R.evaluate(rnn, data, n_streams=1) == pytest.approx(R.compute_loss(rnn, data[:-1], data[1:], np.zeros(m)) / 1000)
    streams = [R.compute_loss(rnn, data[i * 250:(i + 1) * 250], data[i * 250 + 1:(i + 1) * 250 + 1], np.zeros(m))
               for i in range(4)]
    assert R.evaluate(rnn, data, n_streams=4) == pytest.approx(sum(streams) / 1000)


def test_validation_is_recorded_and_time_budget_stops_training():
    K = 6
    data = np.random.default_rng(0).integers(0, K, 5000)
    train_part, held_out = R.split_corpus(data)
    state = R.train(R.init_rnn(K, 8, rng=np.random.default_rng(1)), train_part, 50, validation=held_out,
                    validate_every=20)
    assert state.val_loss[:, 0].tolist() == [20, 40, 50]
    assert np.all(state.val_loss[:, 1] > 0)
    quick = R.train(R.init_rnn(K, 8, rng=np.random.default_rng(1)), train_part, 10**9, time_budget=0.2)
    assert 0 < quick.update < 10**9 and quick.smooth_loss.shape == (quick.update,)


def test_resuming_adam_with_batches_and_random_order_is_bit_for_bit(tmp_path):
    K, m = 8, 6
    data = np.random.default_rng(0).integers(0, K, 3000)
    options = dict(eta=0.01, optimizer="adam", batch_size=3, chunk_length=200, seq_length=10,
                   validation=data[:300], validate_every=7, ind_to_char=dict(enumerate("abcdefgh")))
    full_rnn = R.init_rnn(K, m, rng=np.random.default_rng(1))
    full = R.train(full_rnn, data, 90, rng=np.random.default_rng(2), **options)
    rnn = R.init_rnn(K, m, rng=np.random.default_rng(1))
    R.train(rnn, data, 40, rng=np.random.default_rng(2), checkpoint=tmp_path / "ck.npz", checkpoint_every=20, **options)
    rnn, state, _, _ = R.load_checkpoint(tmp_path / "ck.npz")
    resumed = R.train(rnn, data, 50, state=state, **options)
    for k in R.PARAMS:
        np.testing.assert_array_equal(rnn[k], full_rnn[k])
    np.testing.assert_array_equal(resumed.smooth_loss, full.smooth_loss)
    np.testing.assert_array_equal(resumed.order, full.order)
    every_7 = lambda v: v[v[:, 0] % 7 == 0]                  # the resumed run also measured at its stop
    np.testing.assert_array_equal(every_7(resumed.val_loss)[:, :2], every_7(full.val_loss)[:, :2])


@pytest.mark.parametrize("kwargs, match", [
    (dict(batch_size=0), "batch_size"), (dict(optimizer="sgd"), "optimizer"),
    (dict(chunk_length=10), "chunk_length"), (dict(batch_size=50), "per stream"),
])
def test_bad_options_beyond_the_assignment(kwargs, match):
    with pytest.raises(ValueError, match=match):
        R.train(R.init_rnn(5, 4), np.arange(5).repeat(100), 3, **kwargs)


def test_decay_lowers_eta_linearly_over_the_run():
    K, m = 10, 6
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    before = {k: v.copy() for k, v in rnn.items()}
    R.train(rnn, data, 1, eta=0.1)                                  # the first of 2 decayed steps: eta
    decayed = {k: v.copy() for k, v in before.items()}
    R.train(decayed, data, 2, eta=0.1, decay=True)
    _, cache = R.forward(before, data[:25], data[1:26], np.zeros(m))
    g1 = R.compute_grads(before, data[:25], data[1:26], np.zeros(m))
    g2 = R.compute_grads(rnn, data[25:50], data[26:51], cache.H[-1])
    for k in R.PARAMS:
        a, b = np.clip(g1[k], -5, 5), np.clip(g2[k], -5, 5)
        expected = rnn[k] - 0.05 * b / np.sqrt(a ** 2 + b ** 2 + 1e-8)   # the second step: eta / 2
        np.testing.assert_allclose(decayed[k], expected, rtol=1e-10, atol=1e-14)
