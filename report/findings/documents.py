"""The findings of notebook 12 (a corpus of many short documents), in words: one short sentence each
from what the run measured; the notebook's Markdown says what they mean."""
import math

import numpy as np

from report.findings import above_uniform, went_wrong

NOT_APPLICABLE = ("*This corpus is one text, not many documents, so this section does not apply: it needs a "
                  "JSON file of texts, a folder of documents or a fortune file (README).*")


def corpus_words(count, lengths, held_out, limit):
    """count documents of these lengths (characters, without their end), held_out of them held out;
    limit: the longest a generated one may be."""
    longer = float(np.mean(np.asarray(lengths) > limit))
    return (f"The corpus holds {count:,} documents, {np.median(lengths):.0f} characters long at the median "
            f"(the longest {max(lengths):,}; {longer:.0%} longer than {limit}); the last {held_out:,} of them are held out.")


def ended(n_ended, count, limit):
    """n_ended of count generated documents wrote the end-of-document character within limit characters."""
    if not count:
        return went_wrong("no document was generated.")
    share = n_ended / count
    text = (f"Of {count:,} documents generated, **{n_ended:,} ({share:.0%}) ended on their own**, with the "
            f"end-of-document character, within {limit} characters")
    if n_ended == count:
        return text + "; none was cut at the limit."
    return text + f"; the other {count - n_ended:,} were cut at the limit."


def lengths(generated, corpus, limit):
    """generated: the lengths of the generated documents that ended on their own; corpus: the
    corpus's document lengths (the ones up to limit compared)."""
    if not len(generated):
        return "None ended on its own, so their lengths say nothing of where the model ends a document."
    fit = [n for n in corpus if n <= limit]
    mine, theirs = float(np.median(generated)), float(np.median(fit))
    relation = ("about as long as" if abs(mine - theirs) <= 0.2 * theirs else
                "shorter than" if mine < theirs else "longer than")
    return (f"Those that ended are {relation} the corpus's documents of at most {limit} characters: {mine:.0f} "
            f"against {theirs:.0f} characters at the median.")


def word_share(share):
    """share: the share of the generated documents' words that are words of the corpus (None: no
    word measure for this corpus)."""
    if share is None:
        return ""
    return f"{share:.0%} of their words are words of the corpus."


def start_state(losses, K, chosen):
    """losses: {"carried over": held_out_loss dict, "reset": ...}; chosen: the start the notebook
    generates with."""
    carried, reset = losses["carried over"], losses["reset"]
    for name, value in losses.items():
        wrong = above_uniform(value["loss"], K, f"The held-out loss with the state {name}")
        if wrong or not math.isfinite(value["loss"]):
            return wrong or went_wrong(f"the held-out loss with the state {name} is {value['loss']}.")
    difference = carried["loss"] - reset["loss"]
    if abs(difference) < 0.005:
        verdict = "the two agree to 0.005 nats: the model's state at a document's start hardly matters"
    else:
        better = "reset" if difference > 0 else "carried over"
        verdict = f"the state {better} is better by {abs(difference):.3f} nats per character"
    return (f"On the held-out documents the model loses **{carried['loss']:.3f} nats per character** with the "
            f"hidden state carried over from the document before and **{reset['loss']:.3f}** with it reset at "
            f"each document's start, the end-of-document character included; {verdict}. The end-of-document "
            f"character alone costs {carried['end']:.2f} and {reset['end']:.2f} nats (a uniform guess: "
            f"{math.log(K):.2f}). The documents above were written with the state {chosen}.")


def trained(updates, planned, seconds):
    """Section 2's network trained on the documents: updates made of planned, in seconds."""
    text = f"Section 2's network made {updates:,} updates on the other documents in {seconds:.0f} s"
    if updates < planned:
        return text + f", **its time cap reached before the {planned:,} planned**."
    return text + "."
