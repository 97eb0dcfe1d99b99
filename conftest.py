"""The whole suite (unit tests, the report, the notebooks under nbval) runs with $RNN_RUNS pointing at
a temporary directory: no test writes into runs/, where a user's full-length run lives. At the end
the suite checks that runs/ is byte for byte what it was."""
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

RUNS = Path(__file__).resolve().parent / "runs"


def snapshot(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


def pytest_configure(config):
    config._runs_before = snapshot(RUNS)
    config._runs_tmp = tempfile.mkdtemp(prefix="rnn-test-runs-")
    os.environ["RNN_RUNS"] = config._runs_tmp          # inherited by nbval's kernels and subprocesses


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    shutil.rmtree(config._runs_tmp, ignore_errors=True)
    if snapshot(RUNS) != config._runs_before:
        print(f"\nFAILED: the test suite changed files in {RUNS}; tests must write only to $RNN_RUNS.")
        session.exitstatus = 1
