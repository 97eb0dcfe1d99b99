"""The wording of findings: short sentences that state what a run measured, each built by a small
named function, one module per group of notebooks (assignment: 01-04, bonus: 05-07 and 09, beyond:
08, 10 and 11). Here, the word helpers they share."""
import math

import numpy as np

from report.render import generated

# The best training loss that public solutions of the assignment report, in nats per character
# (a smooth loss of about 37.6 summed over 25 characters): the reference line of section 5.
PUBLIC_BEST_TRAINING_LOSS = 1.50


def listing(items):
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def char_name(ch):
    """A character as the prose names it: “a”, or in words where it would be invisible."""
    return {" ": "a space", "\n": "a new line", "\t": "a tab"}.get(ch, f"“{generated(ch)}”")


def smooth_text(value, loss):
    """A smooth loss as the prose prints it: summed losses (tens) to 0.1, averaged ones to 0.001."""
    return f"{value:.1f}" if loss == "sum" else f"{value:.3f}"


def capped(state, planned, what):
    """"" when a run made the updates planned for it; else, in bold, that it reached its time cap
    first (a busy or slow machine), with its updates against the planned number."""
    if state.update >= planned:
        return ""
    return (f" **{what} reached its time cap of {state.config.time_budget:,.0f} s after {state.update:,} of the "
            f"{planned:,} updates planned**: what follows is this shorter run's.")


def load_words(state):
    """How busy the machine was during a run: its CPU time against its wall time."""
    return f"{state.cpu_time:.1f} s of CPU time in {state.wall_time:.1f} s"


def gap_words(train_loss, val_loss):
    """How the held-out loss compares with the training loss (both per character), in words that
    claim no cause: a gap may be overfitting or a held-out text harder than the rest."""
    gap = val_loss - train_loss
    if not math.isfinite(gap):
        return went_wrong(f"the training loss is {train_loss} and the held-out loss {val_loss} nats per character: "
                          "a loss that is not a finite number comes from a run that diverged or a broken model")
    if abs(gap) < 0.05:
        return "the two are within 0.05 nats of each other"
    return f"the held-out loss is {abs(gap):.2f} nats {'higher' if gap > 0 else 'lower'}"


def numbers(values):
    """The values a finding's sentence rests on ({name: value}), as a two-column Markdown table for the
    notebook's reader; the cells that show them are tagged "numbers" and stay out of the report."""
    def show(v):
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return f"{v:,}"
        if isinstance(v, (float, np.floating)):
            return f"{v:,.1f}" if abs(v) >= 1000 else f"{v:.4g}"
        return str(v)
    return "\n".join(["| the sentence cites | value |", "|---|---|"] + [f"| {name} | {show(v)} |" for name, v in values.items()])


# ---------------------------------------------------------------------------------------------
# Sanity before prose: a number no correct run can give is reported as such, never explained away
# ---------------------------------------------------------------------------------------------

WENT_WRONG = "**Something went wrong:**"


def went_wrong(what):
    """The sentence that says plainly that a measurement is impossible or meaningless, and why."""
    return f"{WENT_WRONG} {what}"


def above_uniform(nats, K, what):
    """"" when a loss of nats per character is below ln K, the cost of a uniform guess over the K
    characters; else the sentence that says the model predicts worse than knowing nothing."""
    if nats < math.log(K):
        return ""
    return went_wrong(f"{what} is {nats:.3f} nats per character, not below $\\ln K$ = {math.log(K):.3f}, the cost of a "
                      f"uniform guess over the {K:,} characters: the model predicts no better than knowing nothing "
                      "(a run that diverged, or far too short).")
