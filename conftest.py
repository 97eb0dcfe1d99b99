"""The whole suite (unit tests, the report, the notebooks under nbval) runs with $RNN_RUNS pointing at
a temporary directory: no test writes into runs/, where a user's full-length run lives. The last
test of every run checks that runs/ is byte for byte what it was before the first."""
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

RUNS = Path(__file__).resolve().parent / "runs"


def snapshot(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


def pytest_configure(config):
    config.runs_before = snapshot(RUNS)
    config.runs_tmp = tempfile.mkdtemp(prefix="rnn-test-runs-")
    os.environ["RNN_RUNS"] = config.runs_tmp           # inherited by nbval's kernels and subprocesses


def pytest_unconfigure(config):
    shutil.rmtree(config.runs_tmp, ignore_errors=True)


class RunsUntouched(pytest.Item):
    def runtest(self):
        assert snapshot(RUNS) == self.config.runs_before, f"the tests changed files in {RUNS}"

    def reportinfo(self):
        return self.path, None, "runs/ is byte for byte what it was before the tests"


def pytest_collection_modifyitems(session, config, items):
    items.append(RunsUntouched.from_parent(session, name="runs_untouched"))
