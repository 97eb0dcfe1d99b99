"""Where should a passage start? Measured over training seeds, on the corpus this machine has.

For each seed: section 2's training (its settings, read from notebook 2), then the share of corpus
words in
  - the last three samples written during training (the course's start: h and x of that update),
  - section 4's passage from h0 = 0 and x0 = "." (the old start),
  - section 4's passage from the hidden state and input of the best update (the report's start);
and, with --big, the same for section 5's larger model (a shortened budget) and the sampler's example.
Run: .venv/bin/python benchmarks/passage_start.py [--seeds 10] [--big SECONDS]
"""
import argparse
import statistics

import numpy as np

import rnn_helpers as R
import rnn_trainer as trainer
from report import better, runs, textstats


def share(corpus, rnn, h0, x0, length, seed, **options):
    text = R.decode(R.synthesize(rnn, h0, x0, length, np.random.default_rng(seed), **options), corpus.ind_to_char)
    return textstats.word_stats(text, corpus.vocabulary)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--big", type=float, default=0, help="seconds for section 5's model (0: skip it)")
    args = parser.parse_args()
    corpus = runs.setup()
    p2, p4, p8 = (runs.notebook_parameters(n) for n in ("02_training.ipynb", "04_final_passage.ipynb", "08_better_model.ipynb"))
    n_updates = max(p2["N_UPDATES"], p2["MIN_EPOCHS"] * trainer.updates_per_epoch(len(corpus.data), p2["SEQ_LENGTH"]))
    sample_at = [1] + list(range(p2["SAMPLE_EVERY"], n_updates + 1, p2["SAMPLE_EVERY"]))
    dot = corpus.char_to_ind["."]
    rows = []
    for seed in range(args.seeds):
        samples = []
        rnn = R.init_rnn(corpus.K, p2["M"], sig=corpus.handout.init_sig(corpus.K, p2["M"]),
                         rng=np.random.default_rng(seed), dtype=p2["DTYPE"])
        state = trainer.train(rnn, corpus.data, n_updates, **corpus.handout.settings(seq_length=p2["SEQ_LENGTH"]),
                              rng=np.random.default_rng(seed + 1), hook_at=sample_at,
                              hook=lambda u, r, h, x, st: samples.append(share(corpus, r, h, x, p2["SAMPLE_LENGTH"], u)))
        best, m = state.best_rnn, p2["M"]
        row = dict(seed=seed, late_samples=statistics.mean(samples[-3:]),
                   old_start=share(corpus, best, np.zeros(m, best["W"].dtype), dot, p4["LENGTH"], p4["SEED"]),
                   best_start=share(corpus, best, state.best_h, state.best_x, p4["LENGTH"], p4["SEED"]))
        if args.big:
            train_data, held_out = R.split_corpus(corpus.data)
            big = trainer.train(better.initial_network(corpus.K, p8["BIG"]["m"], seed, p2["DTYPE"]), train_data,
                                **better.settings(p8["BIG"]), time_budget=args.big, rng=np.random.default_rng(seed + 1))
            b, bm = big.best_rnn, p8["BIG"]["m"]
            prime = "Harry" if "Harry" in corpus.vocabulary else "The "
            h = R.hidden_states(b, R.encode(prime[:-1], corpus.char_to_ind), big.best_h)[-1]
            row |= dict(big_old_start=share(corpus, b, np.zeros(bm, b["W"].dtype), dot, p8["LENGTH"], p8["SEED"]),
                        big_best_start=share(corpus, b, big.best_h, big.best_x, p8["LENGTH"], p8["SEED"]),
                        sampler_example=share(corpus, b, h, corpus.char_to_ind[prime[-1]], 400, p8["SEED"],
                                              temperature=0.8, top_p=0.95))
        rows.append(row)
        print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    print(f"\n{corpus.name}, {args.seeds} seeds: share of corpus words, min / mean / max")
    for key in rows[0]:
        if key != "seed":
            values = [r[key] for r in rows]
            print(f"  {key:16s} {min(values):.2f} / {statistics.mean(values):.2f} / {max(values):.2f}")
    ratio = [r["best_start"] / r["late_samples"] for r in rows]
    print(f"  best_start / late_samples: min {min(ratio):.2f}, mean {statistics.mean(ratio):.2f}")


if __name__ == "__main__":
    main()
