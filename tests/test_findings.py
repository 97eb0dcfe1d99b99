"""Sanity before prose: a finding whose numbers no correct run can give says plainly that something
went wrong, and what; it never explains an impossible number away. Each case is the sentence for
made-up numbers: good ones (no warning) and bad ones (the warning, with the number that is wrong)."""
import math

import numpy as np
import pytest

from report.findings import WENT_WRONG, above_uniform, assignment, beyond, bonus


class State:
    """The parts of a TrainState that the findings read."""

    def __init__(self, val, smooth, update=1000, time_budget=60.0):
        self.val_loss, self.smooth_loss, self.update = np.array([[update, val, 20.0]]), np.array([smooth]), update
        self.wall_time, self.cpu_time, self.config = 20.0, 19.5, type("Config", (), {"time_budget": time_budget})

    def per_character(self, loss):
        return loss


def record(updates, seconds, val, optimizer="AdaGrad"):
    return dict(optimizer=optimizer, updates=updates, wall_time=seconds, cpu_time=seconds - 0.5,
                val_loss=[[updates, val, seconds]])


def test_a_loss_not_below_ln_k_is_reported_as_going_wrong():
    assert above_uniform(2.0, 80, "The loss") == ""
    warning = above_uniform(9.431, 113, "The held-out loss")
    assert warning.startswith(WENT_WRONG) and "9.431 nats per character, not below" in warning
    assert f"{math.log(113):.3f}" in warning and "113 characters" in warning


def test_held_out_losses_above_a_uniform_guess_replace_the_comparison():
    good = bonus.held_out(State(1.9, 1.8), State(1.95, 1.8), 1000, "AdaGrad", 1000, K=80)
    assert WENT_WRONG not in good and "1.900 nats" in good and "19.5 s of CPU time in 20.0 s" in good
    bad = bonus.held_out(State(9.4, 1.8), State(1.95, 1.8), 1000, "AdaGrad", 1000, K=80)
    assert bad.startswith(WENT_WRONG) and "9.400" in bad and "resetting" not in bad


def test_a_run_stopped_by_its_time_cap_says_so_in_bold():
    capped = bonus.held_out(State(1.9, 1.8, update=700), State(1.95, 1.8), 1000, "AdaGrad", 1000, K=80)
    assert ("**The run in order reached its time cap of 60 s after 700 of the 1,000 updates planned**: what follows "
            "is this shorter run's.") in capped and "resetting" not in capped
    assert "time cap" not in bonus.held_out(State(1.9, 1.8), State(1.95, 1.8), 1000, "AdaGrad", 1000, K=80)


def test_a_throughput_of_too_few_updates_is_no_measurement():
    fine = bonus.batch_speedup({1: 1000.0, 64: 30000.0}, {1: 500, 64: 20})
    assert fine == "With $B = 64$ the network reads 30 times as many characters per second as with $B = 1$."
    broken = bonus.batch_speedup({1: 1000.0, 64: 0.0}, {1: 500, 64: 0})
    assert broken.startswith(WENT_WRONG) and "$B = 64$ (0)" in broken and "0.0 times" not in broken


def test_optimizers_are_compared_at_equal_updates_or_not_at_all():
    level = bonus.optimizers(record(20000, 20, 2.0), record(20000, 30, 1.9, "Adam"), 20000, K=80)
    assert WENT_WRONG not in level and "Adam is ahead by 0.100 nats per character after the same updates" in level
    assert "AdaGrad in 20.0 s, Adam in 30.0 s (19.5 and 29.5 s of CPU time)" in level
    capped = bonus.optimizers(record(20000, 20, 2.0), record(3600, 20, 1.9, "Adam"), 20000, K=80)
    assert capped.startswith(WENT_WRONG) and "Adam reached the time cap" in capped and "ahead" not in capped
    diverged = bonus.optimizers(record(20000, 20, 2.0), record(20000, 20, 6.0, "Adam"), 20000, K=80)
    assert WENT_WRONG in diverged and "Adam's held-out loss is 6.000" in diverged


def test_a_better_model_that_is_not_better_is_reported():
    better = beyond.held_out_result(1.38, 2.08, 20, K=80)
    assert WENT_WRONG not in better
    worse = beyond.held_out_result(2.2, 2.08, 20, K=80)
    assert worse.endswith("or its training failed.") and WENT_WRONG in worse
    useless = beyond.held_out_result(9.4, 2.08, 20, K=80)
    assert "The larger network's held-out loss is 9.400" in useless


def test_the_training_run_says_when_its_loss_never_fell_below_a_uniform_guess():
    run = dict(first_loss=110.0, best_smooth_loss=47.0, best_update=900, final_smooth_loss=48.0, wall_time=50,
               updates_per_second=2000, config=dict(loss="sum", seq_length=25), corpus=dict(K=80), updates=1000)
    smooth = np.linspace(110, 47, 1000)
    assert WENT_WRONG not in assignment.training_run(run, smooth, 100, "25 ln 80")
    run |= dict(final_smooth_loss=25 * 4.5, best_smooth_loss=25 * 4.4)                   # ln 80 = 4.38
    assert "The last smooth loss is 4.500 nats per character" in assignment.training_run(run, smooth, 100, "25 ln 80")


def test_a_run_cut_short_by_its_time_budget_says_how_far_it_got():
    run = dict(first_loss=110.0, best_smooth_loss=47.0, best_update=900, final_smooth_loss=48.0, wall_time=30,
               updates_per_second=100, config=dict(loss="sum", seq_length=25), corpus=dict(K=80),
               updates=3000, planned_updates=100000, time_budget=30.0, epochs=1.25)
    text = assignment.training_run(run, np.linspace(110, 47, 3000), 100, "25 ln 80")
    assert "The run stopped at its time budget of 30 s, after 3,000 of the 100,000 updates planned (1.25 epochs)" in text
    assert "stopped" not in assignment.training_run(run | dict(updates=100000), np.linspace(110, 47, 3000), 100, "x")


def test_the_evolution_of_the_samples_reads_right_with_one_sample_or_without_a_word_measure():
    samples = [dict(text="abc de", update=1, smooth_loss=None), dict(text="the cat", update=10000, smooth_loss=60.0),
               dict(text="the dog", update=20000, smooth_loss=50.0)]
    words = assignment.text_improves(samples, 80, [0.0, 0.5, 1.0], [1, 2, 2], ["line breaks"], [], "sum")
    assert "2 words, 50% of them words of the corpus" in words and "falls by 10.0" in words
    no_words = assignment.text_improves(samples, 80, None, [1, 2, 2], ["line breaks"], [], "sum")
    assert "words" not in no_words and "falls by 10.0 from the second sample to the last" in no_words
    one = assignment.text_improves(samples[:1], 80, None, [1], [], [], "sum")
    assert one.endswith("It is the only one: the run stopped before the second (section 2).")


def test_the_ladder_flags_a_network_that_does_worse_than_a_uniform_guess():
    fine = beyond.network_standing(3.0, 20, {"gzip": 2.9, "bz2": 2.1}, K=80)
    assert fine.startswith("Section 2's network, trained 20 s on the first part, costs 3.00 bits") and WENT_WRONG not in fine
    flagged = beyond.network_standing(17.78, 1, {"gzip": 4.8}, K=3053)
    assert flagged.startswith(WENT_WRONG) and "costs 17.78 bits per character on the held-out text: its loss is 12.324" in flagged


def test_a_gap_between_losses_that_are_not_numbers_is_something_gone_wrong():
    from report.findings import WENT_WRONG, gap_words
    assert gap_words(1.5, float("nan")).startswith(WENT_WRONG) and "nan" in gap_words(1.5, float("nan"))
    assert gap_words(1.5, 1.7) == "the held-out loss is 0.20 nats higher"


def test_no_finding_says_nan():
    nan = float("nan")
    assert beyond.held_out_result(nan, 2.08, 20, K=80).startswith(WENT_WRONG)
    assert "nan nats (nan bits)" not in beyond.held_out_result(nan, 2.08, 20, K=80)
    assert bonus.held_out(State(nan, 1.8), State(1.95, 1.8), 1000, "AdaGrad", 1000, K=80).startswith(WENT_WRONG)


def test_shades_and_audits_of_what_cannot_be_measured():
    from report import render, textstats
    for shade in (render.heat, render.diverging):
        with pytest.raises(ValueError, match="a shade needs a finite number, got nan"):
            shade(float("nan"))
    audit = textstats.copy_audit("abc", "the training text", {"the", "training", "text"}, n=8)
    assert audit["ngrams"] is None                    # no 8-gram in 3 characters: not measurable, not 0 %
