"""The report builds that test_report.py (both handouts, on this machine's corpus) and
test_user_texts.py and test_documents.py (texts a user may bring, tests/corpora.py) read back. They are most of the
suite's time, so they start in the background as soon as the tests are collected (conftest.py),
two at a time and at a lower CPU priority, while the unit tests run in the foreground; a test waits
only for the build it reads. Each build is `python -m report.build` into a folder of its own."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import corpora
import rnn_helpers as R
import textfile

WORKERS = 2                     # the machine's cores; the foreground tests run at a higher priority
NICE = 10
# name: (the file's text, its name); "tweets" is a corpus of documents (notebook 12), in the tweet archive's format
USER_TEXTS = {"python-code": (corpora.code, "python-code.txt"),
              "german-and-chinese": (corpora.german_and_chinese, "german-and-chinese.txt"),
              "tweets": (corpora.tweet_archive, "condensed_2018.json")}
REPORT_SCALE = os.environ.get("RNN_BUDGET_SCALE", "0.1")   # the timed experiments' share of the report's
USER_TEXT_SCALE = "0.05"        # budgets (and notebook 2's updates, below 1)

_pool, _builds, _running, _lock = None, {}, set(), threading.Lock()
_root = Path(tempfile.mkdtemp(prefix="rnn-test-builds-"))


def start(wanted):
    """Start the builds named (kind, name) in wanted ("report", handout) or ("user_text", kind), in
    that order, unless they have started already."""
    global _pool
    with _lock:
        _pool = _pool or ThreadPoolExecutor(WORKERS, thread_name_prefix="report-build")
        for key in wanted:
            if key not in _builds:
                _builds[key] = _pool.submit(_build, *key)


def result(kind, name):
    """SimpleNamespace(tmp, done, text) of a build, once it has ended: its folder, the finished
    process (returncode, stdout, stderr) and the corpus text it read (None: this machine's corpus)."""
    start([(kind, name)])
    return _builds[(kind, name)].result()


def _build(kind, name):
    tmp = _root / f"{kind}-{name}"
    tmp.mkdir()
    text, out = None, tmp / "report"
    if kind == "report":
        env = os.environ | {"RNN_BUDGET_SCALE": REPORT_SCALE, "RNN_RUNS": str(tmp / "runs"), "RNN_HANDOUT": name}
        args = ["--out", str(out), "--notebooks-out", str(tmp / "notebooks"), "--author", "Test Author"]
    else:
        make, file = USER_TEXTS[name]
        corpus = tmp / file
        corpus.write_text(make(), encoding="utf-8")
        text = textfile.read_corpus(corpus)[0]            # as the notebooks read it: documents each ended by EOD
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RNN_")}
        env |= dict(RNN_CORPUS=str(corpus), RNN_RUNS=str(tmp / "runs"), RNN_BUDGET_SCALE=USER_TEXT_SCALE,
                    RNN_HANDOUT="2017")
        args = ["--out", str(out), "--author", "Test"]
    process = subprocess.Popen([sys.executable, "-m", "report.build", *args], env=env, cwd=R.ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=lambda: os.nice(NICE))
    with _lock:
        _running.add(process)
    try:
        stdout, stderr = process.communicate(timeout=2400)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        stderr += "\nThe build took longer than 40 minutes and was stopped."
    finally:
        with _lock:
            _running.discard(process)
    return SimpleNamespace(tmp=tmp, text=text, done=subprocess.CompletedProcess(process.args, process.returncode,
                                                                                  stdout, stderr))


def stop():
    """At the end of the session (also an interrupted one, conftest.py): no build goes on, no folder stays."""
    with _lock:
        for process in _running:
            process.kill()
    if _pool:
        _pool.shutdown(wait=True, cancel_futures=True)
    shutil.rmtree(_root, ignore_errors=True)
