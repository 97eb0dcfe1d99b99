"""Section 5.5's recipe (report.better) and section 6's probes of the trained networks (report.probes)."""
import numpy as np
import pytest

import rnn_helpers as R
import rnn_trainer as trainer
from report import better, probes, runs


def test_the_recipe_is_m_and_trains_settings_and_notebook_8_reads_it():
    assert trainer.TrainConfig(**better.settings(better.RECIPE)).trajectory()      # every other key is a setting
    assert better.settings(better.RECIPE) == {k: v for k, v in better.RECIPE.items() if k != "m"}
    assert runs.notebook_parameters("08_better_model.ipynb")["BIG"] == better.RECIPE


def test_the_initial_network_is_the_2025_initialisation_from_its_seed():
    rnn = better.initial_network(7, 12, 3, np.float32)
    expected = R.init_rnn(7, 12, sig=R.init_2025(7, 12), rng=np.random.default_rng(3), dtype=np.float32)
    assert all(rnn[k].dtype == np.float32 and np.array_equal(rnn[k], expected[k]) for k in R.PARAMS)
    assert rnn["W"].std() == pytest.approx((2 * 12) ** -0.5, rel=0.25)


def test_the_gradient_through_time_is_the_geometric_mean_of_the_probes():
    rnn = R.init_rnn(6, 5, sig=0.5, rng=np.random.default_rng(0), dtype=np.float32)
    data = np.random.default_rng(1).integers(0, 6, 200)
    h_start = np.full(5, 0.1)
    one = []
    for e in (20, 90):
        rnn64 = {k: v.astype(np.float64) for k, v in rnn.items()}
        h0 = R.hidden_states(rnn64, data[e - 10:e], h_start)[-1]
        one.append(R.gradient_through_time(rnn64, data[e:e + 8], data[e + 1:e + 9], h0))
    curve = probes.gradient_through_time(rnn, h_start, data, [20, 90], warm_up=10, length=8)
    np.testing.assert_allclose(curve, np.sqrt(one[0] * one[1]), rtol=1e-12)
    starts = probes.probe_starts(data, 10, 8, 50)
    assert starts.min() >= 10 and starts.max() + 8 + 1 <= len(data)


def test_reach_and_the_spectral_radius():
    assert probes.reach(np.array([2.0, 1.0, 0.03, 0.01])) == 3
    assert probes.reach(np.array([2.0, 1.0, 0.5]), share=0.1) is None
    assert probes.spectral_radius(np.diag([0.5, -3.0])) == pytest.approx(3.0)


def test_the_likeliest_characters_are_named_with_their_probabilities():
    p = np.array([0.1, 0.6, 0.3])
    assert probes.likeliest(p, {0: "a", 1: " ", 2: "\n"}, n=2) == "␣ 0.60, ↵ 0.30"


def test_a_passage_again_is_the_notebooks_passage():
    rnn = R.init_rnn(5, 4, sig=0.5, rng=np.random.default_rng(0))
    chars = dict(enumerate("abcde"))
    p = runs.notebook_parameters("04_final_passage.ipynb")
    text = probes.passage_again("04_final_passage.ipynb", rnn, np.zeros(4), 2, chars)
    assert text == R.decode(R.synthesize(rnn, np.zeros(4), 2, p["LENGTH"], np.random.default_rng(p["SEED"])), chars)
