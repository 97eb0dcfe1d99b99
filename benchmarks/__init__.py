"""Benchmarks and the code kept only to be timed: bench_train.py (`make bench`), passage_start.py, and
minchar.py, the classic min-char-rnn style gradient that notebook 09 and the tests compare with."""
