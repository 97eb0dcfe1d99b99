"""The findings of notebooks 01-04 (the assignment: gradients, training, evolution, the passage), in words.

Each function turns what a run measured into a short sentence or a table's rows; the method, the
equations and how to read each table and figure are the notebooks' Markdown."""
import numpy as np

from report.findings import above_uniform, char_name, listing, smooth_text
from report.handouts import OPTIMIZER_NAMES

LOSS_KIND = {"sum": "summed", "mean": "averaged"}


def answered(corpus):
    """Notebook 01: the handout and the corpus this run answers."""
    h, n = corpus.handout, corpus.info["characters"]
    return (f"This report answers **{h.title}** ({OPTIMIZER_NAMES[h.optimizer]}) on **{corpus.name}**: "
            f"{n:,} characters, $K = {corpus.K}$.")


def per_step(differences):
    """Notebook 01: the per-step passes against the module's (differences: {m: {name: relative difference}})."""
    worst = max(d for diff in differences.values() for d in diff.values())
    return (f"The per-step passes give the module's loss and gradients to a relative difference of at most "
            f"{worst:.0e} ($m$ = {listing(map(str, differences))}).")


def check_setup(handout, m_values, tau, K):
    """Notebook 01: the sizes and loss of the gradient check."""
    return (f"Here: {handout.title}, the loss {LOSS_KIND[handout.loss]}, $K = {K}$, "
            f"$\\tau = {tau}$, $m = {m_values[0]}$ and $m = {m_values[-1]}$.")


def rounding(loss, error, m):
    """Notebook 01: the rounding error of central differences."""
    return f"Here $L \\approx {loss:.3g}$ ($m = {m}$): a rounding error of about {error:.0e}."


def verdict(comparisons, tol):
    """Notebook 01: the largest errors of the three ways, both sizes, against their pass marks."""
    def worst(way, measure="max_rel"):
        return max(e[measure] for c in comparisons.values() for e in c[way].values())
    return (f"Complex step {worst('complex'):.0e}, autograd {worst('autograd'):.0e} (pass mark "
            f"{tol['complex_max_rel']:.0e}); central differences {worst('central', 'max_abs'):.0e} absolute "
            f"(pass mark {tol['central_max_abs']:.0e}), {worst('central', 'array_rel'):.0e} as arrays "
            f"(pass mark {tol['central_array_rel']:.0e}).")


def worst_entry(k, m, max_rel, g, error, small):
    """Notebook 01: the entry where central differences disagree most, relative to its size;
    g: that entry by each way (analytic, central, complex, autograd)."""
    a, n, c = g["analytic"], g["central"], g["complex"]
    return (f"One of $\\partial L / \\partial {k}$, $m = {m}$ ({max_rel:.0e}). Back-propagation {a:.2e}; "
            f"central differences {n:.2e} (off by {abs(n - a):.0e}); complex step {c:.2e}, {abs(c - a):.0e} from "
            f"back-propagation, {abs(c - n):.0e} from central differences. Entries below 1000 × {error:.0e}: {small:.1%}.")


def step_curve(entry, m, steps, central, complex_step, h):
    """Notebook 01: Figure 1 in numbers."""
    at = central[np.argmin(abs(steps - h))]
    return (f"Entry {entry:.2e}, $m = {m}$. Central differences: {central.min():.0e} at best (at $h \\approx$ "
            f"{steps[np.argmin(central)]:.0e}), {at:.0e} at $h$ = {h:g}, {central[-1]:.0e} at $h$ = {steps[-1]:.0e}. "
            f"Complex step: {np.median(complex_step[steps < 1e-6]):.0e} (median, $h < 10^{{-6}}$).")


def settings_rows(corpus, settings, m, n_updates, per_epoch, dtype, seed):
    """Notebook 02: the rows of Table 3, the training configuration (settings: train's)."""
    h, clip = corpus.handout, settings["clip"]
    return [["corpus", f"{corpus.name} ({corpus.info['characters']:,} characters, $K = {corpus.K}$)"],
            ["hidden units $m$", m], ["optimizer", h.optimizer_words()],
            ["loss of a sequence", f"{LOSS_KIND[settings['loss']]} over its $\\tau = {settings['seq_length']}$ characters"],
            ["gradient clipping", f"elementwise to $[-{clip:g}, {clip:g}]$" if clip else "none"],
            ["initial weights", h.init_words()],
            ["updates", f"{n_updates:,} ({n_updates / per_epoch:.2f} epochs of {per_epoch:,} updates)"],
            ["arithmetic", dtype], ["seed", seed]]


def uniform_loss(K, loss, tau):
    """The loss of a uniform guess among K characters: τ ln K summed, ln K averaged."""
    return (tau if loss == "sum" else 1) * np.log(K)


def uniform_words(K, loss, tau):
    """'25 ln 80 = 109.6' or 'ln 80 = 4.382'."""
    factor = f"{tau} " if loss == "sum" else ""
    return f"{factor}ln {K} = {smooth_text(uniform_loss(K, loss, tau), loss)}"


def best_words(run):
    """The lowest smooth loss in bold, with nats per character for a summed loss."""
    loss, best = run["config"]["loss"], run["best_smooth_loss"]
    if loss == "sum":
        return f"**{smooth_text(best, loss)}** ({best / run['config']['seq_length']:.3f} nats per character)"
    return f"**{smooth_text(best, loss)}** nats per character"


def training_run(run, smooth, early, uniform):
    """Notebook 02: the smooth loss of the run (smooth: its history), in numbers."""
    early = min(early, len(smooth))
    fall = (smooth[0] - smooth[early - 1]) / (smooth[0] - smooth.min())
    fmt = lambda value: smooth_text(value, run["config"]["loss"])
    uniform = uniform.replace("ln", "\\ln")
    per_character = {"sum": run["config"]["seq_length"], "mean": 1}[run["config"]["loss"]]
    wrong = above_uniform(run["final_smooth_loss"] / per_character, run["corpus"]["K"], "The last smooth loss")
    return (f"The loss starts at {fmt(run['first_loss'])} (a uniform guess: ${uniform}$); {fall:.0%} of its "
            f"fall comes in the first {early:,} updates. Lowest: {best_words(run)} at update {run['best_update']:,}; "
            f"last: {fmt(run['final_smooth_loss'])}. Time: {run['wall_time']:.0f} s, "
            f"{run['updates_per_second']:,.0f} updates/s." + stopped_early(run) + (" " + wrong if wrong else ""))


def stopped_early(run):
    """" The run stopped at its time budget ...", or "" when it made every update planned."""
    if run["updates"] >= run.get("planned_updates", run["updates"]):
        return ""
    return (f" **The run stopped at its time budget of {run['time_budget']:,.0f} s, after {run['updates']:,} of the "
            f"{run['planned_updates']:,} updates planned ({run['epochs']:.2f} epochs)**: what follows is this shorter "
            "run's.")


def against_handout(run, handout):
    """Notebook 02: this run beside the handout's own run on the book."""
    fmt = lambda value: smooth_text(value, run["config"]["loss"])
    if not run["reference"]:
        return (f"The handout's run reaches about {handout.reference_best:g} at best; "
                f"this run's best is {fmt(run['best_smooth_loss'])}.")
    against = ", ".join(f"{fmt(ours)} at update {u:,} (the handout: {theirs:g})" for u, theirs, ours in run["reference"])
    beyond = [f"{loss:g} at {u:,}" for u, loss in handout.reference_points if u > run["updates"]]
    more = f"; the handout goes on to {listing(beyond)}" if beyond else ""
    return f"This run's smooth loss is {against}{more}."


def clipping(at_init, at_best, limit, clips):
    """Notebook 02: how many gradients clipping to [-limit, limit] changes (clips: whether the run clips)."""
    verb = "changes" if clips else "would change"
    return (f"On {len(at_init)} sequences the largest entry is at most {at_init.max():,.2f} at initialisation "
            f"and {at_best.max():,.2f} for the best model: clipping at {limit:g} {verb} "
            f"{np.mean(at_init > limit):.0%} and {np.mean(at_best > limit):.0%} of these gradients.")


def smooth_or_dash(value, loss):
    """A cell of Table 4: the smooth loss, or a dash before the first update."""
    return "—" if value is None else smooth_text(value, loss)


def word_words(share, n):
    """'40 words, 19% of them words of the corpus', or 'no words' (share None: the corpus has no words
    to measure by, textstats.word_measure_applies)."""
    if share is None:
        return "characters in no word the measure could count" if not n else f"{n} words"
    return f"{n} words, {share:.0%} of them words of the corpus" if n else "no words"


def surface_words(like, missing):
    """Which surface features come at the corpus's rate, and which do not."""
    shared = f"{listing(like)} at the corpus's rate" if like else "none of the corpus's surface features at its rate"
    lacked = f", but not {listing(missing)}" if missing else ""
    return shared + lacked


def text_improves(samples, K, shares, counts, like, missing, loss):
    """Notebook 03: the samples against the corpus, from the first to the last three (shares None:
    no word measure for this corpus)."""
    first, last = samples[0], samples[-1]
    if len(samples) == 1:            # a run stopped by its time budget before the second sample
        return (f"The first sample uses {len(set(first['text']))} of the {K} characters and has "
                f"{word_words(None if shares is None else shares[0], counts[0])}. It is the only one: the run "
                "stopped before the second (section 2).")
    second = samples[1]
    if shares is None:               # no word measure for this corpus: the samples by their features alone
        return (f"The first sample uses {len(set(first['text']))} of the {K} characters. The last three have "
                f"{surface_words(like, missing)}; the smooth loss falls by "
                f"{smooth_text(second['smooth_loss'] - last['smooth_loss'], loss)} from the second sample to the last.")
    late = f"{np.mean(shares[-3:]):.0%} words of the corpus on average" if sum(counts[-3:]) else "no words"
    return (f"The first sample uses {len(set(first['text']))} of the {K} characters and has "
            f"{word_words(shares[0], counts[0])}; at update {second['update']:,} (smooth loss "
            f"{smooth_text(second['smooth_loss'], loss)}), {word_words(shares[1], counts[1])}; the last three, "
            f"{late}. They have {surface_words(like, missing)}; the smooth loss falls by "
            f"{smooth_text(second['smooth_loss'] - last['smooth_loss'], loss)} from the second to the last.")


def best_start(run, x0, length, seed):
    """Notebook 04: where the passage starts."""
    return (f"Best update: {run['best_update']:,}, smooth loss "
            f"{smooth_text(run['best_smooth_loss'], run['config']['loss'])}; $x_0$: {char_name(x0)}; "
            f"{length:,} characters, seed {seed}.")


def discussion_rows(share, n, distinct, late_share, like, missing):
    """Notebook 04: the measurements the discussion reads, as rows (share None: the corpus has no word
    measure, textstats.word_measure_applies)."""
    pct = lambda v: "—" if v is None else f"{v:.0%}"
    return [["words", n, "—"], ["words that are words of the corpus", pct(share), pct(late_share)],
            ["distinct words", pct(distinct if n and share is not None else None), "—"],
            ["surface features at the corpus's rate (Table 5)", listing(like) or "none", "—"],
            ["not at its rate", listing(missing) or "none", "—"]]
