"""The two handouts of the assignment that the report can answer, and which one a build answers.

$RNN_HANDOUT (`make report HANDOUT=2025` sets it) picks the handout: "2017", the 2017-2024 one
(AdaGrad, the loss summed over a sequence; the default), or "2025", the 2025-26 one (Adam, the loss
averaged over a sequence). Every notebook reads it through handout(), and each handout's runs keep
their files apart (report.runs.run_dir).
"""
import os
from dataclasses import dataclass

import rnn_helpers as R

OPTIMIZER_NAMES = {"adagrad": "AdaGrad", "adam": "Adam"}


@dataclass(frozen=True)
class Handout:
    key: str                   # "2017" or "2025": $RNN_HANDOUT
    years: str                 # the course years it was handed out
    language: str
    optimizer: str             # rnn_helpers.OPTIMIZERS
    eta: float
    loss: str                  # "sum" or "mean": the loss of a sequence (rnn_helpers.LOSSES)
    clip: float                # elementwise gradient clipping, None: none
    check_m: tuple             # the hidden sizes of section 1's gradient check
    checked_against: str       # what the handout compares the analytic gradients with
    reference_points: tuple    # (update, smooth loss) of the handout's own run on the book
    reference_best: float      # the handout's best smooth loss, where it gives only that
    bonus: tuple               # (the handout's bonus item, points, where the report answers it)

    def settings(self, **more):
        """The handout's settings of train (optimizer, η, loss, clipping), with more."""
        return dict(optimizer=self.optimizer, eta=self.eta, loss=self.loss, clip=self.clip, **more)

    def init_sig(self, K, m):
        """init_rnn's sig: one standard deviation, or one each for U, W, V."""
        return 0.01 if self.key == "2017" else R.init_2025(K, m)

    def init_words(self):
        """The initialisation, as a formula for the prose and tables."""
        if self.key == "2017":
            return r"$U, W, V \sim \mathcal{N}(0, 0.01^2)$, $b = c = 0$"
        return (r"$U \sim \mathcal{N}(0, \frac{1}{2K})$, $W \sim \mathcal{N}(0, \frac{1}{2m})$, "
                r"$V \sim \mathcal{N}(0, \frac{1}{m})$, $b = c = 0$")

    def optimizer_words(self):
        name = OPTIMIZER_NAMES[self.optimizer]
        betas = (f", $\\beta_1 = {R.ADAM_BETAS[0]}$, $\\beta_2 = {R.ADAM_BETAS[1]}$, $\\epsilon = 10^{{-8}}$"
                 if self.optimizer == "adam" else "")
        return f"{name}, $\\eta = {self.eta:g}$" + betas

    def loss_words(self, tau):
        if self.loss == "sum":
            return f"summed over the $\\tau = {tau}$ characters: $L = -\\sum_t y_t^\\top \\log p_t$"
        return f"averaged over the $\\tau = {tau}$ characters: $L = -\\frac{{1}}{{\\tau}} \\sum_t y_t^\\top \\log p_t$"

    @property
    def title(self):
        return f"the {self.years} handout"


HANDOUTS = {
    "2017": Handout(
        key="2017", years="2017–2024", language="Matlab", optimizer="adagrad", eta=0.1, loss="sum", clip=5.0,
        check_m=(5, 100), checked_against="numerical gradients (central differences, `ComputeGradsNum`), $m = 5$",
        reference_points=(), reference_best=39.0,
        bonus=(("Adam instead of AdaGrad", None, "5.4"),
               ("reading the text in a random order", None, "5.2"),
               ("mini-batches", None, "5.3"),
               ("temperature and nucleus sampling", None, "5.1"),
               ("training on Donald Trump's tweets (2017–20)", None,
                "7"))),        # on a corpus of documents: the tweets are not ours, a user brings the archive
    "2025": Handout(
        key="2025", years="2025–2026", language="Python", optimizer="adam", eta=0.001, loss="mean", clip=None,
        check_m=(10, 100), checked_against="an automatic differentiation framework (a PyTorch skeleton), $m = 10$",
        reference_points=((1, 4.60), (1_000, 3.38), (4_000, 2.26), (30_000, 1.786), (133_000, 1.55),
                          (150_000, 1.534)),
        reference_best=None,
        bonus=(("random chunks of the text and a validation chunk", 1, "5.2"),
               ("mini-batches", 1, "5.3"),
               ("temperature and nucleus sampling at low, medium and high settings, with a quality measure "
                "(perplexity)", 2, "5.1"),
               ("faster gradients, the speed-up measured and compared with automatic differentiation", 1, "5.7"))),
}


def handout():
    """The handout this build answers: $RNN_HANDOUT, "2017" when unset."""
    key = os.environ.get("RNN_HANDOUT", "").strip() or "2017"
    if key not in HANDOUTS:
        raise ValueError(f"RNN_HANDOUT (make's HANDOUT) must be one of {', '.join(HANDOUTS)}, got {key!r}: "
                         "2017 answers the 2017-2024 handout (AdaGrad), 2025 the 2025-26 one (Adam).")
    return HANDOUTS[key]


def comparison_rows(current):
    """Rows of the table that sets the two handouts side by side; `current` is the one answered."""
    old, new = HANDOUTS["2017"], HANDOUTS["2025"]

    def reference(h):
        if h.reference_points:
            return ", ".join(f"{loss:g} at update {update:,}" for update, loss in h.reference_points)
        return f"≈ {h.reference_best:g} (summed) at best"

    def bonus(h):
        return "; ".join(f"{item}{f' ({points})' if points else ''}" for item, points, _ in h.bonus)

    rows = [["language", old.language, new.language],
            ["optimizer", old.optimizer_words(), new.optimizer_words()],
            ["loss of a sequence", "summed over the τ = 25 characters", "averaged over τ"],
            ["initialisation", old.init_words(), new.init_words()],
            ["clipping", "elementwise to $[-5, 5]$", "not mentioned (this report: none)"],
            ["gradient check", old.checked_against, new.checked_against],
            ["reference run (smooth loss)", reference(old), reference(new)],
            ["bonus exercises", bonus(old), bonus(new)]]
    marked = "**" + current.years + " (this report)**"
    header = ["", marked if current is old else old.years, marked if current is new else new.years]
    return header, rows
