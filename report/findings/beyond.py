"""The findings of notebooks 08, 10 and 11 (beyond the assignment: a better model, how good it is,
what it learned), in words.

Each function turns numbers a run measured into one short sentence (or a table row); the notebooks'
Markdown cells say what the sentences mean."""
import math

import numpy as np

from report.findings import PUBLIC_BEST_TRAINING_LOSS, above_uniform, char_name, gap_words, listing, went_wrong
from report.handouts import OPTIMIZER_NAMES
from report.render import generated

LN2 = np.log(2)


# ---------------------------------------------------------------------------------------------
# Notebook 08: a much better model
# ---------------------------------------------------------------------------------------------

def recipe_words(recipe, short=False):
    """A recipe of report.better (m and train's settings) as Table 8 names it, or (short) as Figure 5's legend."""
    optimizer = OPTIMIZER_NAMES[recipe["optimizer"]]
    if short:
        return f"m = {recipe['m']}, {optimizer}, B = {recipe['batch_size']}"
    if recipe["optimizer"] == "adam" and "betas" in recipe:
        optimizer += f" ($\\beta_2 = {recipe['betas'][1]:g}$)"
    decay = " decayed to 0" if recipe.get("decay") else ""
    return (f"$m = {recipe['m']}$, {optimizer}, $\\eta = {recipe['eta']:g}${decay}, "
            f"$\\tau = {recipe['seq_length']}$, $B = {recipe['batch_size']}$")


def comparison_row(name, record):
    """A row of Table 8 from a runs.summary() record: updates, characters read, time, the final
    training and held-out losses (nats per character) and the held-out loss in bits."""
    val = record["val_loss"][-1][1]
    return [name, f"{record['updates']:,}", f"{record['updates'] * record['characters_per_update'] / 1e6:.1f} M",
            f"{record['wall_time']:.0f} s", f"{record['train_loss']:.3f}", f"**{val:.3f}**", f"{val / LN2:.3f}"]


def reading(seconds, characters, train_length):
    return (f"In {seconds:.0f} s the larger network read {characters:,} characters, "
            f"{characters / train_length:.1f} passes over its training text.")


def held_out_result(val, small_val, small_seconds, K):
    """val: the larger network's held-out loss; small_val: section 2's network's, trained small_seconds;
    K: the vocabulary's size."""
    text = (f"On unseen text: **{val:.3f} nats ({val / LN2:.2f} bits) per character**, "
            f"against {small_val:.3f} for section 2's network in {small_seconds:.0f} s.")
    if not math.isfinite(val):
        return above_uniform(val, K, "The larger network's held-out loss")
    if val >= math.log(K):
        return text + " " + above_uniform(val, K, "The larger network's held-out loss")
    if round(val, 3) >= round(small_val, 3):
        return text + " " + went_wrong("the larger network, with more units and more time, ends no better than "
                                       "section 2's network. It made too few updates in its budget (Table 8: a "
                                       "busy machine, or a large vocabulary), or its training failed.")
    return text


def against_public(val):
    """On the book only: val against the best training loss that public solutions report there."""
    side = "below" if val < PUBLIC_BEST_TRAINING_LOSS else "above"
    return (f"That is {abs(val - PUBLIC_BEST_TRAINING_LOSS):.2f} nats {side} the best *training* loss that public "
            f"solutions of the assignment report on the book ({PUBLIC_BEST_TRAINING_LOSS:.2f}).")


def gap(train_loss, val_loss):
    return f"Comparing its training and held-out losses, {gap_words(train_loss, val_loss)}."


def saved(best_update, path):
    return f"Its best model (update {best_update:,}) is saved as `runs/{path.parent.name}/{path.name}`."


def passage_intro(length, seed, first, share):
    """first: the input character the passage starts from; share: of its words, those of the corpus
    (None: no word measure for this corpus)."""
    words = "" if share is None else f"; {share:.0%} of its words occur in the corpus"
    return f"{length} characters, seed {seed}, from {char_name(first)}{words}:"


def example_intro(prime, temperature, top_p, length, seed):
    return f"*For example:* “{generated(prime)}”, temperature {temperature}, top-$p$ {top_p}, {length} characters, seed {seed}:"


# ---------------------------------------------------------------------------------------------
# Notebook 10: a ladder of baselines
# ---------------------------------------------------------------------------------------------

def network_standing(bits, seconds, compressors, K):
    """bits: the held-out bits per character of section 2's network retrained for `seconds`;
    compressors: {name: bits per character}; K: the vocabulary's size."""
    if bits * LN2 >= math.log(K):
        return above_uniform(bits * LN2, K, f"Section 2's network, trained {seconds:.0f} s on the first part, costs "
                                            f"{bits:.2f} bits per character on the held-out text: its loss")
    beaten = [name for name, b in compressors.items() if b > bits]
    ahead = [name for name, b in compressors.items() if b <= bits]
    words = [f"better than {listing(beaten)}"] if beaten else []
    words += [f"worse than {listing(ahead)}"] if ahead else []
    values = ", ".join(f"{name} {b:.2f}" for name, b in compressors.items())
    return (f"Section 2's network, trained {seconds:.0f} s on the first part, costs {bits:.2f} bits per character: "
            f"{' and '.join(words)} ({values}).")


def ngram_standing(ngrams, bits):
    """ngrams: {order: bits per character}; bits: the network's."""
    ahead = [str(n) for n, b in ngrams.items() if b < bits]
    best, longest = min(ngrams, key=ngrams.get), max(ngrams)
    who = f"Kneser–Ney n-grams of orders {listing(ahead)} do" if ahead else "No Kneser–Ney n-gram does"
    again = (f", and longer contexts do worse again ({longest}-gram: {ngrams[longest]:.2f})"
             if ngrams[longest] > ngrams[best] + 0.01 else "")
    return f"{who} better than it; the best is order {best} at {ngrams[best]:.2f} bits{again}."


def better_standing(bits, best_baseline):
    verdict = "better than" if bits < best_baseline else "not yet better than"
    return f"The better model reaches **{bits:.2f} bits per character**: {verdict} every n-gram and compressor."


def unseen_cost(order, count, nats, total_nats):
    """count: held-out characters the training part never holds; nats: what the order-n Kneser-Ney
    model charged for them in all; total_nats: its cost on the whole held-out text."""
    if not count:
        return "Every held-out character also occurs in the training part, so no n-gram pays its uniform floor."
    return (f"{count:,} held-out character{'s' if count > 1 else ''} never occur{'s' if count == 1 else ''} in the "
            f"training part; the {order}-gram gives {'them' if count > 1 else 'it'} only its uniform floor, at "
            f"{nats / count / LN2:.1f} bits each, {nats / total_nats:.1%} of its whole cost on the held-out text.")


def fit_time(seconds):
    return f"The n-grams and compressors took {seconds:.0f} s to fit and measure."


# ---------------------------------------------------------------------------------------------
# Notebook 10: the copy audit
# ---------------------------------------------------------------------------------------------

def longest_copy(longest, held_out):
    """longest: the longest stretch of either passage found in the training text; held_out: the same for held-out text."""
    verdict = "No passage shares a longer" if longest <= held_out else "A passage shares a longer"
    return f"{verdict} stretch with the training text than held-out text does ({longest} against {held_out} characters)."


def ngram_copy(n, shares, held_out):
    """shares: {passage: share of its n-grams in the training text}; held_out: the held-out text's share."""
    more = [label for label, share in shares.items() if share > held_out]
    who = {0: "No passage shares", 1: f"{listing(more)} shares"}.get(len(more), f"{listing(more)} share")
    who = who[0].upper() + who[1:]
    return f"{who} more of {'their' if len(more) > 1 else 'its'} {n}-grams with the training text than held-out text does."


# ---------------------------------------------------------------------------------------------
# Notebook 11: surprisal, hidden units
# ---------------------------------------------------------------------------------------------

def context_read(start):
    return f"Context read before this passage: {start:,} characters."


def surprise_summary(mean_bits, hardest, easiest):
    return (f"The better model's mean: {mean_bits:.2f} bits per character. Hardest: {listing(map(char_name, hardest))}; "
            f"easiest: {listing(map(char_name, easiest))}.")


def word_positions(positions):
    """positions: by_position_in_word's {position: (count, mean bits)}."""
    last = max(positions)
    if last == 1 or 1 not in positions:
        return "Its words are of one letter each (ideographs): there is no position within a word to compare."
    first, later = positions[1][1], positions[last][1]
    trend = "falls" if later < first else "does not fall"
    return (f"Inside a word the surprisal {trend}: {first:.2f} bits for the first letter, "
            f"{later:.2f} from letter {last} on.")


def unit_name(name, unit, r):
    return f"“{name}” (unit {unit}, $r = {r:+.2f}$)"


def strongest_units(found, names):
    """found: best_units' {feature: (unit, r)}; names: the features to name."""
    return "The strongest: " + listing(unit_name(name, *found[name]) for name in names) + "."


def weak_features(names):
    """Of the features not named as the strongest, those whose best unit has |r| < 0.3 (as the table
    rounds r); "" when there are none."""
    return f"Of the others, no single unit follows {listing(f'“{n}”' for n in names)} closely ($|r| < 0.3$)." if names else ""


# ---------------------------------------------------------------------------------------------
# Notebook 11: gradients through time
# ---------------------------------------------------------------------------------------------

def reach_words(reach, steps):
    """reach: the first k where the gradient is below 1 % of its size at k = 0, or None."""
    return f"falls below 1% after {reach} steps" if reach is not None else f"stays above 1% for all {steps} steps"


def gradient_reach(small_reach, small_at_tau, tau, big_reach, steps):
    """small_at_tau: section 2's trained curve at k = tau relative to k = 0 (None: tau beyond the probes)."""
    at_tau = "" if small_at_tau is None else f" (at $k = \\tau = {tau}$: {small_at_tau:.1e} of that at $k = 0$)"
    return (f"The gradient of section 2's trained network {reach_words(small_reach, steps)}{at_tau}; "
            f"the better model's {reach_words(big_reach, steps)}.")


def radius_change(radii):
    """radii: {network: (rho(W) as its section starts it, rho(W) after training)}."""
    changes, last = [], None
    for name, (before, after) in radii.items():
        verb = "raised" if after > before else "lowered"
        what = f"the spectral radius of {name}'s $W$" if not changes else f"that of {name}'s"
        changes.append(f"{verb + ' ' if verb != last else ''}{what} from {before:.2f} to {after:.2f}")
        last = verb
    return f"Training {listing(changes)}."


def memory_span(steps):
    return f"What came more than about {steps} characters earlier barely moves the gradient."
