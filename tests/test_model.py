"""The model: its loss against hand computation, its gradients against two numerical ones."""
import math

import numpy as np
import pytest

import rnn_helpers as R
import rnn_trainer as trainer

pytestmark = pytest.mark.quick                   # `make check`

TOL = R.GRADIENT_TOLERANCES


def random_sequence(K, T, seed=0):
    data = np.random.default_rng(seed).integers(0, K, T + 1)
    return data[:-1], data[1:]


def test_init_rnn_shapes_and_distribution():
    rnn = R.init_rnn(80, 100, sig=0.01, rng=np.random.default_rng(1))
    assert {k: v.shape for k, v in rnn.items()} == {"U": (100, 80), "W": (100, 100), "V": (80, 100),
                                                     "b": (100,), "c": (80,)}
    assert not rnn["b"].any() and not rnn["c"].any()
    assert rnn["W"].mean() == pytest.approx(0, abs=3e-4) and rnn["W"].std() == pytest.approx(0.01, rel=0.02)


def test_loss_of_a_model_with_zero_parameters_is_T_log_K():
    rnn = R.init_rnn(7, 3, sig=0.0)
    x, y = random_sequence(7, 10)
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
    x, y = random_sequence(K, T, seed=m)
    h0 = np.zeros(m)
    return (R.compute_grads(rnn, x, y, h0), R.compute_grads_num(rnn, x, y, h0, h=1e-4),
            R.compute_grads_complex(rnn, x, y, h0))


def test_analytic_gradients_match_complex_step_on_every_entry(gradients):
    # |ga - gn| / max(1e-12, |ga| + |gn|) on every entry, against a numerical gradient exact to rounding
    analytic, _, exact = gradients
    for k in R.PARAMS:
        assert analytic[k].shape == exact[k].shape
        assert R.relative_error(analytic[k], exact[k]) < TOL["complex_max_rel"], k


def test_analytic_gradients_match_central_differences(gradients):
    # Central differences with h = 1e-4 are accurate to about 1e-9 in absolute terms (truncation
    # h^2 f'''/6 plus rounding), so entries near zero can show large entrywise relative errors;
    # the absolute difference and the relative error of the whole array are the sound measures.
    analytic, central, _ = gradients
    for k, c in R.compare_gradients(analytic, central).items():
        assert c["max_abs"] < TOL["central_max_abs"] and c["array_rel"] < TOL["central_array_rel"], k


def test_where_central_differences_disagree_the_error_is_theirs(gradients):
    analytic, central, exact = gradients
    for k in R.PARAMS:
        np.testing.assert_allclose(np.abs(central[k] - analytic[k]), np.abs(central[k] - exact[k]),
                                   rtol=1e-2, atol=1e-12, err_msg=k)


def truncated_bptt_grads(rnn, x, y, h0):
    """A realistic bug: back-propagation that forgets the recurrence (dL/da_{t+1} W never flows back
    to h_t), i.e. each step's gradient computed as if the sequence were that one step long."""
    H = R.hidden_states(rnn, x, h0)
    steps = [R.compute_grads(rnn, x[t:t + 1], y[t:t + 1], H[t]) for t in range(len(x))]
    return {k: sum(g[k] for g in steps) for k in R.PARAMS}


def unscaled_mean_grads(rnn, x, y, h0):
    """Another: the averaged loss's gradient without the 1/T (the summed loss's gradient)."""
    return R.compute_grads(rnn, x, y, h0, loss="sum")


@pytest.mark.parametrize("bug, loss, wrong", [(truncated_bptt_grads, "sum", {"U", "W", "b"}),
                                              (unscaled_mean_grads, "mean", set(R.PARAMS))])
def test_the_gradient_check_catches_a_realistic_bug(bug, loss, wrong):
    """The pass marks of notebook 1 (GRADIENT_TOLERANCES, judged by compare_gradients) fail exactly
    the parameters a buggy backward pass gets wrong, and pass the ones it gets right."""
    rnn = R.init_rnn(10, 6, sig=0.3, rng=np.random.default_rng(0))
    x, y = random_sequence(10, 25)
    h0 = np.zeros(6)
    central = R.compute_grads_num(rnn, x, y, h0, loss=loss)
    exact = R.compute_grads_complex(rnn, x, y, h0, loss=loss)
    buggy = bug(rnn, x, y, h0)
    for k, c in R.compare_gradients(buggy, central).items():
        passes = c["max_abs"] < TOL["central_max_abs"] and c["array_rel"] < TOL["central_array_rel"]
        assert passes == (k not in wrong), k
    for k, c in R.compare_gradients(buggy, exact).items():
        assert (c["max_rel"] < TOL["complex_max_rel"]) == (k not in wrong), k


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


def test_batched_gradients_match_complex_step():
    K, m, T, B = 11, 7, 25, 4
    rnn = R.init_rnn(K, m, sig=0.1, rng=np.random.default_rng(0))
    X, Y = np.random.default_rng(1).integers(0, K, (2, T, B))
    H0 = np.random.default_rng(2).uniform(-0.5, 0.5, (B, m))
    analytic, exact = R.compute_grads(rnn, X, Y, H0), R.compute_grads_complex(rnn, X, Y, H0)
    for k in R.PARAMS:
        assert R.relative_error(analytic[k], exact[k]) < TOL["complex_max_rel"], k


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_pass_that_reuses_an_earlier_cache_gives_what_fresh_arrays_give(dtype):
    """The training loop hands each update's cache to the next forward pass, which overwrites its arrays."""
    K, m, T, B = 11, 7, 25, 4
    rnn = R.init_rnn(K, m, sig=0.3, rng=np.random.default_rng(0), dtype=dtype)
    (X1, Y1), (X2, Y2) = np.random.default_rng(1).integers(0, K, (2, 2, T, B))
    H0 = np.random.default_rng(2).uniform(-0.5, 0.5, (2, B, m)).astype(dtype)
    _, old = R.forward(rnn, X1, Y1, H0[0], "mean")
    R.backward(rnn, old)
    arrays = old.H, old.P, old.G, old.dA
    loss, cache = R.forward(rnn, X2, Y2, H0[1], "mean", reuse=old)
    assert all(a is b for a, b in zip(arrays, (cache.H, cache.P)))          # the same memory, overwritten
    grads = R.backward(rnn, cache)
    assert cache.G is arrays[2] and cache.dA is arrays[3]
    fresh_loss, fresh = R.forward(rnn, X2, Y2, H0[1], "mean")
    assert loss == fresh_loss
    exact = R.compute_grads_complex({k: v.astype(np.float64) for k, v in rnn.items()}, X2, Y2, H0[1], loss="mean")
    for k, g in R.backward(rnn, fresh).items():
        np.testing.assert_array_equal(grads[k], g)
        if dtype == np.float64:
            assert R.relative_error(grads[k], exact[k]) < TOL["complex_max_rel"], k
    other_loss, other = R.forward(rnn, X2[:5, :2], Y2[:5, :2], H0[1, :2], reuse=cache)   # other shapes: new arrays
    assert other.H.shape == (6, 2, m) and other.P.shape == (5, 2, K)
    other_grads = R.backward(rnn, other)          # ... whose rows the loops over time walk: the right ones
    fresh_loss, fresh = R.forward(rnn, X2[:5, :2], Y2[:5, :2], H0[1, :2])
    assert other_loss == fresh_loss
    np.testing.assert_array_equal(other.H, fresh.H)
    for k, g in R.backward(rnn, fresh).items():
        np.testing.assert_array_equal(other_grads[k], g)


def test_evaluate_is_the_mean_loss_per_character_after_each_streams_burn_in():
    K, m = 6, 5
    rnn = R.init_rnn(K, m, sig=0.3, rng=np.random.default_rng(0))
    data = np.random.default_rng(1).integers(0, K, 1001)

    def scored(x, y, burn_in):              # -log p_t(y_t) of the characters after the burn-in, from h = 0
        P = R.forward(rnn, x, y, np.zeros(m))[1].P
        return -np.log(P[np.arange(len(y)), y])[burn_in:]
    assert trainer.evaluate(rnn, data, burn_in=0, n_streams=1) == pytest.approx(
        R.compute_loss(rnn, data[:-1], data[1:], np.zeros(m)) / 1000)
    streams = np.concatenate([scored(data[i * 250:(i + 1) * 250], data[i * 250 + 1:(i + 1) * 250 + 1], 30)
                              for i in range(4)])
    assert trainer.evaluate(rnn, data, burn_in=30, n_streams=4) == pytest.approx(streams.mean())
    assert trainer.evaluate(rnn, data, n_streams=64) == trainer.evaluate(rnn, data, burn_in=100, n_streams=5)


def test_validation_does_not_depend_on_where_training_stands():
    """The held-out loss is the model's and the held-out text's alone: two runs that differ only in
    where their last sequence ended give the same held-out loss for the same parameters."""
    K, m = 6, 5
    data = np.random.default_rng(1).integers(0, K, 3000)
    rnn = R.init_rnn(K, m, sig=0.3, rng=np.random.default_rng(0))
    state = trainer.train(rnn, data[:2500], 130, validation=data[2500:], validate_every=50)
    assert state.val_loss[:, 0].tolist() == [50, 100, 130]
    assert state.val_loss[-1, 1] == trainer.evaluate(rnn, data[2500:])


# --- the averaged loss of the 2025-26 handout, and the autograd oracle ---------------------------

@pytest.fixture(scope="module", params=[5, 10], ids=lambda m: f"m={m}")
def mean_gradients(request):
    """Analytic, complex-step and autograd gradients of the averaged loss, T = 25, 2025 init."""
    m, K, T = request.param, 80, 25
    rnn = R.init_rnn(K, m, sig=R.init_2025(K, m), rng=np.random.default_rng(m))
    x, y = random_sequence(K, T, seed=m)
    h0 = np.zeros(m)
    return (R.compute_grads(rnn, x, y, h0, loss="mean"), R.compute_grads_complex(rnn, x, y, h0, loss="mean"),
            R.compute_grads_autograd(rnn, x, y, h0, loss="mean"))


def test_averaged_loss_gradients_match_complex_step_and_autograd_on_every_entry(mean_gradients):
    analytic, exact, oracle = mean_gradients
    for k in R.PARAMS:
        assert R.relative_error(analytic[k], exact[k]) < TOL["complex_max_rel"], k
        assert R.relative_error(analytic[k], oracle[k]) < TOL["complex_max_rel"], k


@pytest.mark.parametrize("m", [5, 100])
def test_autograd_oracle_matches_backpropagation_of_the_summed_loss(m):
    K = 80
    rnn = R.init_rnn(K, m, sig=0.01, rng=np.random.default_rng(m))
    x, y = random_sequence(K, 25, seed=m)
    h0 = np.random.default_rng(3).uniform(-0.5, 0.5, m)
    analytic, oracle = R.compute_grads(rnn, x, y, h0), R.compute_grads_autograd(rnn, x, y, h0)
    for k in R.PARAMS:
        assert R.relative_error(analytic[k], oracle[k]) < TOL["complex_max_rel"], k


def test_the_averaged_loss_is_the_summed_loss_over_the_number_of_characters():
    rnn = R.init_rnn(9, 6, sig=0.3, rng=np.random.default_rng(0))
    X, Y = np.random.default_rng(1).integers(0, 9, (2, 7, 3))
    H0 = np.zeros((3, 6))
    assert R.compute_loss(rnn, X, Y, H0, loss="mean") == pytest.approx(R.compute_loss(rnn, X, Y, H0) / 21, rel=1e-14)
    summed, mean = R.compute_grads(rnn, X, Y, H0), R.compute_grads(rnn, X, Y, H0, loss="mean")
    for k in R.PARAMS:
        np.testing.assert_allclose(mean[k], summed[k] / 21, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="loss must be"):
        R.forward(rnn, X, Y, H0, loss="average")


def test_the_2025_initialisation():
    K, m = 80, 100
    rnn = R.init_rnn(K, m, sig=R.init_2025(K, m), rng=np.random.default_rng(0))
    for k, std in (("U", (2 * K) ** -0.5), ("W", (2 * m) ** -0.5), ("V", m ** -0.5)):
        assert rnn[k].std() == pytest.approx(std, rel=0.03), k
    assert not rnn["b"].any() and not rnn["c"].any()
    for bad in ({"U": 0.1, "W": 0.1}, {"U": 0.1, "W": 0.1, "V": -1}):
        with pytest.raises(ValueError, match="sig must be"):
            R.init_rnn(K, m, sig=bad)


def test_the_min_char_rnn_reference_gives_the_same_gradients():
    from benchmarks.minchar import minchar_grads
    K, m = 12, 7
    rnn = R.init_rnn(K, m, sig=0.2, rng=np.random.default_rng(0))
    x, y = random_sequence(K, 25)
    h0 = np.random.default_rng(1).uniform(-0.5, 0.5, m)
    loss, grads, h_last = minchar_grads(rnn["U"], rnn["W"], rnn["V"], rnn["b"][:, None], rnn["c"][:, None], x, y,
                                        h0[:, None])
    ours, cache = R.compute_grads(rnn, x, y, h0), R.forward(rnn, x, y, h0)[1]
    assert loss == pytest.approx(R.compute_loss(rnn, x, y, h0), rel=1e-12)
    np.testing.assert_allclose(h_last[:, 0], cache.H[-1], rtol=1e-12)
    for k, g in zip(R.PARAMS, grads):
        assert R.relative_error(ours[k], g.reshape(ours[k].shape)) < TOL["complex_max_rel"], k


def test_gradient_through_time_matches_the_complex_step_on_each_earlier_state():
    K, m, T = 7, 5, 12
    rnn = R.init_rnn(K, m, sig=0.6, rng=np.random.default_rng(3))
    rng = np.random.default_rng(4)
    x, y, h0 = rng.integers(0, K, T), rng.integers(0, K, T), rng.uniform(-0.5, 0.5, m)
    H = R.hidden_states(rnn, x, h0)
    norms = R.gradient_through_time(rnn, x, y, h0)

    complex_rnn = {k: v.astype(complex) for k, v in rnn.items()}

    def last_loss(h, k):                      # L_T as a function of h_{T-k}, reading x_{T-k+1}..x_T from it
        h_T = R.hidden_states(complex_rnn, x[T - k:], h)[-1]
        return -np.log(R.softmax(h_T.dot(complex_rnn["V"].T) + complex_rnn["c"])[y[-1]])

    for k in range(T):
        exact = [last_loss(H[T - k] + 1e-20j * e, k).imag / 1e-20 for e in np.eye(m)]
        assert norms[k] == pytest.approx(np.linalg.norm(exact), rel=1e-10), k


def test_a_sampled_gradient_check_checks_that_many_entries_and_still_catches_a_bug():
    """For a large vocabulary notebook 1 checks a random sample of each parameter's entries: the
    numerical gradient has exactly that many entries (every one where the parameter is smaller),
    equal to the full check's there, and a wrong gradient still fails on them."""
    rnn = R.init_rnn(30, 6, sig=0.3, rng=np.random.default_rng(0))
    x, y = random_sequence(30, 12)
    h0 = np.zeros(6)
    full = R.compute_grads_complex(rnn, x, y, h0)
    sampled = R.compute_grads_complex(rnn, x, y, h0, entries=20, rng=np.random.default_rng(1))
    for k in R.PARAMS:
        checked = ~np.isnan(sampled[k])
        assert checked.sum() == min(20, full[k].size), k
        np.testing.assert_array_equal(sampled[k][checked], full[k][checked])
    comparison = R.compare_gradients(R.compute_grads(rnn, x, y, h0), sampled)
    assert all(c["checked"] == min(20, full[k].size) and c["max_rel"] < TOL["complex_max_rel"]
               for k, c in comparison.items())
    wrong = R.compare_gradients(truncated_bptt_grads(rnn, x, y, h0), sampled)
    assert wrong["W"]["max_rel"] > TOL["complex_max_rel"]
