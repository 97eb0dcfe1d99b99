"""The findings of notebooks 05-07 and 09 (the bonus exercises: sampling, validation and order,
batches and Adam, faster gradients), in words: each function turns what a run measured into a short
sentence that claims only what the numbers show. Numbers are compared as they are printed."""
import math

from report.findings import above_uniform, capped, gap_words, listing, load_words, went_wrong


def _than(new, old, digits, more="more", less="less", same="as"):
    """more / less / same: new against old, rounded to the digits the sentence prints."""
    new, old = round(new, digits), round(old, digits)
    return more if new > old else less if new < old else same


def bonus_rows(handout):
    """The rows of the table of the handout's bonus exercises: exercise, points, where answered."""
    return [[item, points or "—", f"section {where}" if where[0].isdigit() else where]
            for item, points, where in handout.bonus]


# ---------------------------------------------------------------------------------------------
# 05: temperature and nucleus sampling
# ---------------------------------------------------------------------------------------------

def sampling_change(label, plain, other):
    """One setting of Table 6 against plain sampling. plain, other: dicts of log_p (nats per
    character), words (share of words in the corpus) and distinct (share of distinct words), both
    None where the corpus has no word measure (textstats.word_measure_applies)."""
    def change(key, fmt, **words):
        return _than(other[key], plain[key], 2, **words), f"{fmt(plain[key])} → {fmt(other[key])}"
    pct, nats = "{:.0%}".format, "{:.2f}".format
    more, arrow = change("log_p", nats, same="equally")
    text = f"At {label} the text is {more} probable under the model (log p {arrow})"
    if not (plain["distinct"] or other["distinct"]):      # no words counted (None: no word measure here)
        return text + "."
    (more, arrow), (more2, arrow2) = (change(k, pct, less="fewer", same="as many") for k in ("words", "distinct"))
    text += f", with {more} words of the corpus ({arrow}) and {more2} distinct words ({arrow2})"
    if other["log_p"] - plain["log_p"] >= 0.1 and plain["distinct"] - other["distinct"] >= 0.1:
        return text + ": the model repeats its safest words."
    if plain["log_p"] - other["log_p"] >= 0.1 and plain["words"] - other["words"] >= 0.05:
        return text + ": towards noise."
    return text + "."


# ---------------------------------------------------------------------------------------------
# 06: held-out validation and random order
# ---------------------------------------------------------------------------------------------

def held_out(in_order, random_order, planned, optimizer, chunk_length, K):
    """The held-out loss of the runs in order and in random chunks (TrainStates), in two sentences;
    K: the vocabulary's size, for a loss no model that learned anything can have (above ln K)."""
    val, train = in_order.val_loss[-1, 1], in_order.per_character(in_order.smooth_loss[-1])
    rnd = random_order.val_loss[-1, 1]
    wrong = " ".join(filter(None, [above_uniform(val, K, "The held-out loss in order"),
                                   above_uniform(rnd, K, "The held-out loss in random order")]))
    if wrong:
        return wrong
    text = (f"After {in_order.update:,} updates in order ({optimizer}, {load_words(in_order)}) the held-out loss is "
            f"{val:.3f} nats ({val / math.log(2):.2f} bits) per character, against {train:.3f} for "
            f"the training smooth loss: {gap_words(train, val)}. Random order ends at {rnd:.3f} held out "
            f"({random_order.update:,} updates), {_than(val, rnd, 3, 'better than', 'worse than', 'as good as')} "
            "in order")
    capping = capped(in_order, planned, "The run in order") + capped(random_order, planned, "The run in random order")
    if capping:
        return text + "." + capping
    if rnd >= val + 0.05:
        return text + "."
    if round(rnd, 3) > round(val, 3):
        text += f" by only {rnd - val:.3f} nats"
    return text + (f": resetting $h$ every {chunk_length:,} characters costs little, since the "
                   "network's memory is short anyway.")


# ---------------------------------------------------------------------------------------------
# 07: mini-batches, Adam and AdaGrad
# ---------------------------------------------------------------------------------------------

def batched_check(worst, B, m):
    """The largest entrywise relative error of the batched gradients against the complex step."""
    return (f"The batched gradients agree with the complex step to {worst:.0e} (largest entrywise relative "
            f"error, $B = {B}$, $m = {m}$), within the pass mark of section 1.")


MIN_UPDATES = 10         # a throughput measured over fewer updates than this is no measurement


def batch_speedup(speeds, updates):
    """speeds: {batch size: characters per second}; updates: {batch size: updates made in the time};
    the largest batch against the smallest, or what went wrong when a run made too few updates."""
    few = {B: n for B, n in updates.items() if n < MIN_UPDATES}
    if few:
        return went_wrong(f"with {listing(f'$B = {B}$ ({n:,})' for B, n in few.items())} the network made fewer than "
                          f"{MIN_UPDATES} updates in its time, too few to measure a speed: the machine was busy, or "
                          "an update takes long with this vocabulary. Table 7 does not compare the batch sizes.")
    small, big = min(speeds), max(speeds)
    return (f"With $B = {big}$ the network reads {speeds[big] / speeds[small]:.2g} times as many characters "
            f"per second as with $B = {small}$.")


def optimizers(adagrad, adam, planned, K):
    """AdaGrad against Adam (summaries of comparison.json), at the same number of updates: the
    held-out loss at the end, and the time each took (with its CPU time: how busy the machine was);
    planned: the updates each run was given. K: the vocabulary's size."""
    ada, ad = adagrad["val_loss"][-1][1], adam["val_loss"][-1][1]
    short = [r["optimizer"] for r in (adagrad, adam) if r["updates"] < planned]
    if short:
        return went_wrong(f"{listing(short)} reached the time cap before the {planned:,} updates planned, so the "
                          "two are not compared at the same number of updates (a busy machine, or a slow one).")
    text = (f"Both made {planned:,} updates: AdaGrad in {adagrad['wall_time']:.1f} s, Adam in {adam['wall_time']:.1f} s "
            f"({adagrad['cpu_time']:.1f} and {adam['cpu_time']:.1f} s of CPU time). ")
    wrong = " ".join(filter(None, [above_uniform(ada, K, "AdaGrad's held-out loss"),
                                   above_uniform(ad, K, "Adam's held-out loss")]))
    if wrong:
        return text + wrong
    text += f"Adam ends at {ad:.3f} nats per character held out, AdaGrad at {ada:.3f}: "
    if round(ad, 3) == round(ada, 3):
        return text + "the two end level."
    ahead = "Adam" if ad < ada else "AdaGrad"
    return text + f"{ahead} is ahead by {abs(ad - ada):.3f} nats per character after the same updates."


# ---------------------------------------------------------------------------------------------
# 09: faster gradients
# ---------------------------------------------------------------------------------------------

def gradients_agree(agree):
    """agree: {dtype: compare_gradients(...)} of the vectorised backward against the per-step loop."""
    f64 = max(c["max_rel"] for c in agree["float64"].values())
    f32 = max(c["array_rel"] for c in agree["float32"].values())
    return (f"The two agree to {f64:.0e} in float64 (largest entrywise relative difference) and to "
            f"{f32:.0e} in float32 (relative difference of the whole arrays).")


def speedups(times, loop, vectorised, autodiff):
    """times: {dtype: {implementation: microseconds}}; loop, vectorised, autodiff: the names."""
    f64, f32 = times["float64"], times["float32"]
    return (f"The vectorised backward is {f64[loop] / f64[vectorised]:.1f} times as fast as the per-step loop "
            f"in float64 ({f32[loop] / f32[vectorised]:.1f} times in float32), and `autograd` takes "
            f"{f64[autodiff] / f64[vectorised]:.0f} times as long as the vectorised backward.")
