"""The build's checks before the first notebook (report.preflight), its atomic output (report.build),
and the settings of report.runs: each refusal is one line that names the problem, in seconds; a
failed build changes nothing. No report is built here (test_report.py builds both)."""
import os
import signal
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

import rnn_helpers as R
import rnn_trainer as trainer
from report import build, preflight, runs
from report.handouts import HANDOUTS

SAMPLE = "The quick brown fox jumps over the lazy dog; it ran far.\n" * 400      # 22,800 characters


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment for the settings: none of RNN_*, RNN_RUNS in tmp_path; returns a setter."""
    for name in list(os.environ):
        if name.upper().startswith("RNN_") or name.upper() == "HANDOUT":
            monkeypatch.delenv(name)
    monkeypatch.setenv("RNN_RUNS", str(tmp_path / "runs"))

    def set_(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)
    return set_


def corpus_file(tmp_path, text, name="mine.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------

def test_good_settings_pass(env):
    env(RNN_HANDOUT="2025", RNN_BUDGET_SCALE="0.1")
    assert preflight.check_settings() == []


@pytest.mark.parametrize("name, expected", [
    ("rnn_handout", "rnn_handout is set, but the setting is RNN_HANDOUT (upper case): rnn_handout is ignored."),
    ("Rnn_Corpus", "Rnn_Corpus is set, but the setting is RNN_CORPUS (upper case)"),
    ("handout", "handout is set, but the setting is HANDOUT (upper case)"),
    ("RNN_HANDOUTS", "RNN_HANDOUTS is not a setting of this project (did you mean RNN_HANDOUT?)"),
    ("RNN_BUDGET", "RNN_BUDGET is not a setting of this project (did you mean RNN_BUDGET_SCALE?)"),
    ("RNN_CORPSE", "RNN_CORPSE is not a setting of this project (did you mean RNN_CORPUS?)")])
def test_a_misspelt_setting_is_refused_by_name(env, name, expected):
    env(**{name: "2025"})
    assert any(line.startswith(expected) for line in preflight.check_settings()), preflight.check_settings()


def test_make_s_handout_without_rnn_handout_is_refused(env):
    env(HANDOUT="2025")
    assert any("HANDOUT='2025' is make's setting" in line for line in preflight.check_settings())
    env(RNN_HANDOUT="2017")
    assert preflight.check_settings() == []        # make sets both; tests set RNN_HANDOUT under make test HANDOUT=...


def test_an_unknown_handout_is_refused(env):
    env(RNN_HANDOUT="2024")
    assert any("RNN_HANDOUT (make's HANDOUT) must be one of 2017, 2025, got '2024'" in line
               for line in preflight.check_settings())


@pytest.mark.parametrize("value", ["abc", "0", "-1", "inf", "nan", "11", "1e9", ""])
def test_a_bad_budget_scale_is_refused_naming_the_variable(env, value):
    env(RNN_BUDGET_SCALE=value)
    with pytest.raises(ValueError, match=r"^RNN_BUDGET_SCALE must be a number > 0 and <= 10 .*got "):
        runs.budget_scale()
    assert [line for line in preflight.check_settings() if line.startswith("RNN_BUDGET_SCALE")]


@pytest.mark.parametrize("value, scale", [(None, 1.0), ("0.1", 0.1), ("10", 10.0), (" 2 ", 2.0)])
def test_budget_scale(env, monkeypatch, value, scale):
    if value is None:
        monkeypatch.delenv("RNN_BUDGET_SCALE", raising=False)
    else:
        env(RNN_BUDGET_SCALE=value)
    assert runs.budget_scale() == scale


def test_the_notebooks_read_the_checked_budget_scale(env):
    env(RNN_BUDGET_SCALE="0.5")
    assert runs.notebook_parameters("06_validation_and_order.ipynb")["SCALE"] == 0.5
    assert runs.notebook_parameters("08_better_model.ipynb")["SCALE"] == 0.5
    env(RNN_BUDGET_SCALE="abc")
    with pytest.raises(ValueError, match="RNN_BUDGET_SCALE"):
        runs.notebook_parameters("08_better_model.ipynb")


def test_blank_runs_is_refused(env):
    env(RNN_RUNS="  ")
    with pytest.raises(ValueError, match=r"^RNN_RUNS is set but blank"):
        runs.run_dir("x")
    assert any(line.startswith("RNN_RUNS is set but blank") for line in preflight.check_settings())


def test_runs_on_a_file_or_under_a_file_is_refused(env, tmp_path):
    (tmp_path / "file").write_text("x")
    env(RNN_RUNS=str(tmp_path / "file"))
    assert f"RNN_RUNS: {tmp_path / 'file'} is a file: give a folder to keep the files in." in preflight.check_settings()
    env(RNN_RUNS=str(tmp_path / "file" / "runs"))
    assert (f"RNN_RUNS: {tmp_path / 'file' / 'runs'} has a file, {tmp_path / 'file'}, where a folder should be: "
            "give a folder to keep the files in.") in preflight.check_settings()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_runs_where_nothing_can_be_written_is_refused(env):
    env(RNN_RUNS="/proc/runs")                                   # as root too: permission bits say nothing
    assert any(line.startswith("RNN_RUNS: no file can be created in /proc (") for line in preflight.check_settings())


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB tmpfs, mounted for the test (as root)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    assert done.returncode == 0, f"cannot mount a tmpfs (the suite runs as root): {done.stderr}"
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_runs_on_a_nearly_full_disk_are_refused_with_the_space_needed(env, small_disk):
    env(RNN_RUNS=str(small_disk / "runs"))
    assert f"RNN_RUNS: {small_disk} has 1.0 MB free; a build writes up to about 100 MB" in "\n".join(
        preflight.check_settings())


def test_a_write_that_fills_the_disk_names_the_file_and_keeps_what_was_there(small_disk):
    path = small_disk / "run.json"
    path.write_text("the old run")
    with pytest.raises(OSError, match=f"{path} could not be written \\(No space left on device\\): free space"):
        trainer.atomic_write(path, lambda f: f.write(b"x" * 2**21))
    assert path.read_text() == "the old run" and [p.name for p in small_disk.iterdir()] == ["run.json"]


def test_the_check_of_runs_writes_nothing(env, tmp_path):
    env(RNN_RUNS=str(tmp_path / "new" / "runs"))
    assert preflight.check_settings() == []
    assert not (tmp_path / "new").exists() and list(tmp_path.iterdir()) == []


def test_relative_runs_and_corpus_are_taken_from_the_repository_root(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env(RNN_RUNS="some/runs", RNN_CORPUS="data/mine.txt")
    assert runs.run_dir("c") == R.ROOT / "some" / "runs" / "c"
    assert runs.run_dir("c", HANDOUTS["2025"]) == R.ROOT / "some" / "runs" / "c-2025"
    assert trainer.find_corpus() == runs.from_root("data/mine.txt") == R.ROOT / "data" / "mine.txt"


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------

def test_a_missing_corpus_says_to_check_the_path(env):
    env(RNN_CORPUS="/nonexistent")
    text, line = preflight.load()
    assert text is None
    assert line == (f"RNN_CORPUS: /nonexistent not found: check the path (a relative one is taken from the "
                    f"repository root, {R.ROOT}).")
    assert "goblet" not in line and "make corpus" not in line


@pytest.mark.parametrize("make, expected", [
    (lambda p: p.mkdir(), "is an empty folder: a corpus of documents as a folder holds one file for each"),
    (lambda p: p.write_bytes(b"caf\xe9 " * 5000), "is not UTF-8 text: byte 3 is 0xe9"),
    (lambda p: p.write_bytes(b""), "is empty"),
    (lambda p: p.write_bytes(("A text in UTF-16, as Windows writes it.\n" * 600).encode("utf-16-le")),
     "looks like UTF-16LE text, not UTF-8: convert it with `iconv -f UTF-16LE -t UTF-8 "),
    (lambda p: p.write_bytes(("Big-endian.\n" * 2000).encode("utf-16-be")), "looks like UTF-16BE text"),
    (lambda p: p.write_bytes(("With a mark.\n" * 2000).encode("utf-16")), "`iconv -f UTF-16 -t UTF-8 "),
    (lambda p: p.write_bytes(("Four bytes each.\n" * 2000).encode("utf-32-le")), "looks like UTF-32LE text"),
    (lambda p: p.write_bytes(b"text\0with a NUL " * 2000), "holds 2,000 NUL characters")])
def test_a_corpus_that_does_not_load_is_one_line(env, tmp_path, make, expected):
    make(tmp_path / "bad.txt")
    env(RNN_CORPUS=str(tmp_path / "bad.txt"))
    text, line = preflight.load()
    assert text is None and line.startswith(f"RNN_CORPUS: {tmp_path / 'bad.txt'} ") and expected in line
    assert "\n" not in line


def test_a_good_corpus_passes(tmp_path):
    assert preflight.check_text(SAMPLE, tmp_path / "mine.txt") == []


def test_a_short_corpus_is_refused_with_the_minimum_and_why(tmp_path):
    [line] = preflight.check_text(SAMPLE[:5000], tmp_path / "tiny.txt")
    assert line.startswith(f"The corpus {tmp_path / 'tiny.txt'} has 5,000 characters; the report needs at least "
                           f"{preflight.MIN_CHARACTERS:,}: it holds out the last 5 %")


def test_the_minimum_length_covers_what_the_notebooks_take_from_the_text():
    n = preflight.MIN_CHARACTERS
    train, held = R.split_corpus(np.zeros(n, int), 0.05)
    probes = runs.notebook_parameters("11_what_it_learned.ipynb")
    assert len(held) >= 2 * probes["SHOWN"] + 1 and len(held) > probes["WARM_UP"] + probes["PROBE_LENGTH"] + 1
    big = runs.notebook_parameters("08_better_model.ipynb")["BIG"]
    assert len(train) // big["batch_size"] > 10 * big["seq_length"]          # every stream has sequences
    assert len(train) > 3 * 1000 + 26                                        # notebook 7's batched check


def test_too_many_different_characters_are_refused(tmp_path):
    text = SAMPLE + "".join(chr(0x4E00 + i) for i in range(preflight.MAX_K))
    lines = preflight.check_text(text, tmp_path / "big.txt", charsets={})
    assert lines == [f"The corpus {tmp_path / 'big.txt'} has K = {len(set(text)):,} different characters; the report "
                     f"handles at most {preflight.MAX_K:,}: the output layer's K·m weights grow with K, and the larger "
                     "model's update with them. Use a text with fewer different characters."]


def test_control_characters_are_shown_by_their_pictures_and_c1_controls_refused(tmp_path):
    bell = SAMPLE + "ring \a the bell\x1b[0m\x7f\t\n"
    assert preflight.check_text(bell, tmp_path / "bel.txt", charsets={}) == []
    assert {"\u2407", "\u241b", "\u2421", "↵", "⇥"} <= preflight.shown_characters(bell)
    assert not {"\a", "\x1b", "\x7f"} & preflight.shown_characters(bell)
    [line] = preflight.check_text(SAMPLE + "caf\x83", tmp_path / "c1.txt", charsets={})
    assert line == (f"The corpus {tmp_path / 'c1.txt'} has control characters that have no picture to show them by: "
                    "U+0083 (C1 controls, usually a text decoded with the wrong encoding). Remove or replace them, "
                    "then build again.")


needs_fontconfig = pytest.mark.skipif(not shutil.which("fc-match") or "DejaVu Serif" not in
                                      subprocess.run(["fc-list"], capture_output=True, text=True).stdout,
                                      reason="needs fontconfig and the DejaVu fonts")


@needs_fontconfig
def test_characters_the_report_fonts_lack_get_an_installed_font_per_unicode_block():
    charsets, _ = preflight.font_charsets()
    fallbacks, missing = preflight.fallback_fonts(set("中文␇é a"), charsets)
    assert missing == set()
    assert [(block, first, last) for block, _, first, last in fallbacks] == \
        [("CJKUnifiedIdeographs", 0x4E00, 0x9FFF), ("ControlPictures", 0x2400, 0x243F)]
    for _, family, first, last in fallbacks:                         # the font has every character asked of it
        points = preflight.font_charsets((family,))[0][family]
        assert {0x4E2D, 0x6587} <= points if first == 0x4E00 else 0x2407 in points
    assert preflight.fallback_fonts(set("abc\u200b"), charsets) == ([], set())      # invisible: no font needed


@needs_fontconfig
def test_characters_no_installed_font_has_are_named_with_a_package_that_has_them(tmp_path):
    unassigned = "\U000E0FFF"                               # no font has it, no package either
    [line] = preflight.check_text(SAMPLE + "中" + unassigned, tmp_path / "odd.txt")
    assert line == (f"The corpus {tmp_path / 'odd.txt'} has 1 characters that no installed font has: U+E0FFF. "
                    "Install a font that has them, or remove or replace them.")
    assert preflight.font_advice({"\u0915"}) == " (`apt-get install fonts-noto-core` has fonts for them)"


@needs_fontconfig
def test_the_fonts_charsets_come_from_fontconfig():
    charsets, problems = preflight.font_charsets()
    assert problems == [] and set(charsets) == set(preflight.FONTS)
    assert all(set(map(ord, "aZ0 •ü—“")) <= points and 0x4E2D not in points for points in charsets.values())
    _, problems = preflight.font_charsets(("No Such Font 123",))
    assert problems == ["The report's font No Such Font 123 is not installed: `make system` installs it "
                        "(apt-get install fonts-dejavu)."]


@needs_fontconfig
def test_this_machines_corpus_passes(env):
    text, path = preflight.load()
    assert text is not None and preflight.check_text(text, path) == []


# ---------------------------------------------------------------------------------------------
# python -m report.build: refusals in seconds, nothing written
# ---------------------------------------------------------------------------------------------

def run_build(tmp_path, *args, **environ):
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RNN_") and k.upper() != "HANDOUT"}
    env |= {"RNN_RUNS": str(tmp_path / "runs")} | environ
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "report.build", "--out", str(tmp_path / "out"), *args], env=env,
                          capture_output=True, text=True, timeout=120, cwd=R.ROOT)
    return done, time.perf_counter() - start


@pytest.mark.parametrize("environ, expected", [
    (dict(RNN_CORPUS="/nonexistent"), "report: RNN_CORPUS: /nonexistent not found: check the path"),
    (dict(RNN_CORPUS="{tmp}/tiny.txt"), "characters; the report needs at least 20,000"),
    (dict(RNN_CORPUS="{tmp}/c1.txt"), "has control characters that have no picture to show them by: U+0085"),
    (dict(RNN_BUDGET_SCALE="abc"), "report: RNN_BUDGET_SCALE must be a number > 0 and <= 10"),
    (dict(rnn_handout="2025"), "report: rnn_handout is set, but the setting is RNN_HANDOUT")])
def test_the_build_refuses_before_the_first_notebook(tmp_path, environ, expected):
    corpus_file(tmp_path, SAMPLE[:3000], "tiny.txt")
    corpus_file(tmp_path, SAMPLE + "\x85", "c1.txt")
    done, seconds = run_build(tmp_path, **{k: v.format(tmp=tmp_path) for k, v in environ.items()})
    assert done.returncode != 0 and expected in done.stderr, done.stderr
    assert done.stderr.strip().endswith("report: nothing was run or written; fix the above and build again.")
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "out").exists() and not (tmp_path / "runs").exists()
    assert seconds < 30


def test_make_committed_needs_the_book(tmp_path):
    corpus_file(tmp_path, SAMPLE, "mine.txt")
    done, _ = run_build(tmp_path, "--committed", RNN_CORPUS=str(tmp_path / "mine.txt"))
    assert done.returncode != 0 and done.stderr.startswith(
        "report: make committed refreshes the committed notebooks and reports from a run on the book, but the "
        f"corpus is {tmp_path / 'mine.txt'}: put the book at data/goblet_book.txt")


# ---------------------------------------------------------------------------------------------
# Where a build writes, and that a failed one writes nothing
# ---------------------------------------------------------------------------------------------

class Args:
    def __init__(self, out=None, notebooks_out=None, committed=False):
        self.out, self.notebooks_out, self.committed = out, notebooks_out, committed


def test_each_corpus_and_handout_builds_into_its_own_folder(tmp_path):
    mine = tmp_path / "mine.txt"
    assert build.destinations(Args(), HANDOUTS["2017"], mine) == (build.BUILD / "mine", build.BUILD / "mine" / "notebooks")
    assert build.destinations(Args(), HANDOUTS["2025"], mine) == (build.BUILD / "mine-2025",
                                                                  build.BUILD / "mine-2025" / "notebooks")
    assert build.destinations(Args(out=tmp_path / "o"), HANDOUTS["2017"], mine) == (tmp_path / "o", tmp_path / "o" / "notebooks")
    assert build.destinations(Args(out=tmp_path / "o", notebooks_out=tmp_path / "n"), HANDOUTS["2017"], mine)[1] == tmp_path / "n"
    book = tmp_path / "goblet_book.txt"
    assert build.destinations(Args(committed=True), HANDOUTS["2017"], book) == (R.ROOT / "report", build.NOTEBOOKS)
    assert build.destinations(Args(committed=True), HANDOUTS["2025"], book) == (R.ROOT / "report",
                                                                                build.BUILD / "notebooks-2025")


WRITE_RUN = ("import os, pathlib\n"       # as notebook 2 does: a file in the corpus's run folder
             "folder = next(pathlib.Path(os.environ['RNN_RUNS']).iterdir())\n"
             "(folder / 'run.json').write_text('new')\nprint('one')")


def small_notebooks(folder, fail=False, second=None):
    folder.mkdir()
    for i, source in enumerate([WRITE_RUN, second or ("raise KeyError('boom')" if fail else "print(1 + 1)")], start=1):
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
        nb.cells = [nbformat.v4.new_markdown_cell(f"# Notebook {i}"), nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, folder / f"0{i}_small.ipynb")


@pytest.fixture
def small_build(tmp_path, monkeypatch):
    """A function: run build.main() on two small notebooks (a PDF faked), into tmp_path/out;
    returns (exit code or None, what it printed)."""
    monkeypatch.setattr(build, "BUILD", tmp_path / "build")
    monkeypatch.setattr(build, "export_pdf", lambda nb, path, build_dir: path.write_bytes(b"%PDF fake"))
    monkeypatch.setattr(shutil, "which", lambda name, _which=shutil.which: "/bin/true" if name == "xelatex" else _which(name))

    def run(capsys, fail=False):
        folder = tmp_path / ("failing" if fail else "good")
        small_notebooks(folder, fail)
        monkeypatch.setattr(build, "NOTEBOOKS", folder)
        monkeypatch.setattr(sys, "argv", ["build", "--out", str(tmp_path / "out"), "--author", "A"])
        try:
            build.main()
            code = None
        except SystemExit as stop:
            code = stop.code
        printed = capsys.readouterr()
        return code, printed.out + printed.err + (str(code) if code else "")
    return run


def test_a_build_writes_its_outputs_together_and_leaves_no_staging(small_build, tmp_path, capsys):
    code, printed = small_build(capsys)
    assert code is None, printed
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["notebooks", "report.html", "report.pdf"]
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == ["01_small.ipynb", "02_small.ipynb"]
    assert nbformat.read(out / "notebooks" / "02_small.ipynb", as_version=4).cells[1].outputs[0].text == "2\n"
    assert printed.strip().splitlines()[-1] == f"wrote {out}/: report.pdf and report.html; the executed notebooks in {out / 'notebooks'}/"
    assert list((tmp_path / "build").glob(".building-*")) == []            # the staging folder is gone


def user_runs():
    return runs.run_dir("shakespeare" if "RNN_CORPUS" not in os.environ else Path(os.environ["RNN_CORPUS"]).stem,
                        HANDOUTS[os.environ.get("RNN_HANDOUT", "2017")])


def files(*folders):
    """Every file under folders (but a build's own logs and locks), with its bytes."""
    return {p: p.read_bytes() for f in folders for p in f.rglob("*")
            if p.is_file() and "build" not in p.parts[-3:] and not p.name.startswith(".lock-")}


def test_a_build_puts_the_runs_it_wrote_in_place(small_build, tmp_path, capsys):
    shutil.rmtree(user_runs(), ignore_errors=True)
    assert small_build(capsys)[0] is None
    assert (user_runs() / "run.json").read_text() == "new"
    assert [p.name for p in user_runs().parent.iterdir() if p.name.startswith(".building")] == []


def test_a_failed_build_changes_nothing_and_says_so(small_build, tmp_path, capsys):
    assert small_build(capsys)[0] is None
    out = tmp_path / "out"
    (user_runs() / "run.json").write_text("the user's run")
    before = files(out, user_runs().parent)
    code, printed = small_build(capsys, fail=True)
    assert code and "report: 02_small.ipynb, cell 2 failed, so the report was not built.\nKeyError: 'boom'" in printed
    assert printed.rstrip().endswith(f"report: nothing you had was changed: {out / 'report'}.pdf, .html, "
                                     f"{user_runs()}/ and {out / 'notebooks'}/ are as they were.")
    assert files(out, user_runs().parent) == before
    assert list((tmp_path / "build").glob(".building-*")) == []


BUILD_SCRIPT = """
import shutil, sys
from pathlib import Path
from report import build
build.BUILD, build.NOTEBOOKS = Path(sys.argv[1]), Path(sys.argv[2])
build.export_pdf = lambda nb, path, build_dir: path.write_bytes(b"%PDF fake")
shutil.which = lambda name, _which=shutil.which: "/bin/true" if name == "xelatex" else _which(name)
sys.argv = ["build", "--out", sys.argv[3], "--author", "A"]
build.main()
"""


def start_build(tmp_path, folder, **environ):
    return subprocess.Popen([sys.executable, "-c", BUILD_SCRIPT, str(tmp_path / "build"), str(folder), str(tmp_path / "out")],
                            cwd=R.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=os.environ | environ)


def wait_for(path, process, seconds=120):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the notebook did not start"
        time.sleep(0.2)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_build_stopped_in_a_notebook_changes_nothing_and_says_where(small_build, tmp_path, capsys, signum):
    assert small_build(capsys)[0] is None                  # a report and a run the user had
    (user_runs() / "run.json").write_text("the user's run")
    before = files(tmp_path / "out", user_runs().parent)
    started = tmp_path / "started"
    small_notebooks(tmp_path / "slow", second=f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(120)")
    process = start_build(tmp_path, tmp_path / "slow")
    wait_for(started, process)
    process.send_signal(signum)
    printed = process.communicate(timeout=60)[0]
    assert process.returncode != 0 and "Traceback" not in printed, printed
    assert f"report: stopped ({signal.Signals(signum).name} in 02_small.ipynb), so the report was not built." in printed
    assert "report: nothing you had was changed" in printed
    assert files(tmp_path / "out", user_runs().parent) == before
    assert list((tmp_path / "build").glob(".building-*")) == []


def test_a_second_build_of_the_same_corpus_is_refused_naming_the_first(tmp_path):
    started = tmp_path / "started"
    small_notebooks(tmp_path / "slow", second=f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(120)")
    first = start_build(tmp_path, tmp_path / "slow")
    try:
        wait_for(started, first)
        second = start_build(tmp_path, tmp_path / "slow")
        printed = second.communicate(timeout=60)[0]
        assert second.returncode == 1, printed
        assert printed.strip().splitlines()[-1] == (
            f"report: a build of {user_runs().name} is running already (PID {first.pid}); wait for it to finish, or "
            f"stop it (kill {first.pid}). Nothing was run or written.")
        beside = tmp_path / "beside"             # another $RNN_RUNS, as the tests' builds have: it runs
        small_notebooks(beside, second=f"import pathlib, time\npathlib.Path({str(beside / 'started')!r}).touch()\n"
                                       "time.sleep(120)")
        third = start_build(tmp_path, beside, RNN_RUNS=str(tmp_path / "other_runs"))
        wait_for(beside / "started", third)
        third.terminate()
        third.communicate(timeout=60)
    finally:
        first.terminate()
        first.communicate(timeout=60)


# ---------------------------------------------------------------------------------------------
# report.runs: clear errors instead of KeyError and IndexError
# ---------------------------------------------------------------------------------------------

def tiny_corpus():
    text = "abcdefgh" * 50
    return runs.Corpus(text, trainer.corpus_info("tiny.txt", text), *R.build_vocab(text), HANDOUTS["2017"])


def test_load_best_model_of_a_checkpoint_is_a_clear_error(tmp_path):
    corpus = tiny_corpus()
    rnn = R.init_rnn(corpus.K, 6, rng=np.random.default_rng(0))
    state = trainer.train(rnn, corpus.data, 5, ind_to_char=corpus.ind_to_char)
    trainer.save_checkpoint(tmp_path / "checkpoint.npz", rnn, state)
    with pytest.raises(ValueError, match=r"checkpoint\.npz has no h0 or x0 .* not a best model written by save_best_model"):
        runs.load_best_model(tmp_path / "checkpoint.npz", corpus)
    runs.save_best_model(tmp_path / "best_model.npz", state, corpus.ind_to_char)
    _, h0, x0 = runs.load_best_model(tmp_path / "best_model.npz", corpus)
    assert h0.shape == (6,) and 0 <= x0 < corpus.K


def test_summary_of_a_run_without_updates_is_a_clear_error():
    corpus = tiny_corpus()
    state = trainer.train(R.init_rnn(corpus.K, 6, rng=np.random.default_rng(0)), corpus.data, time_budget=1e-9)
    assert state.update == 0
    with pytest.raises(ValueError, match="runs.summary: the run made no update"):
        runs.summary(state)


def test_a_broken_export_changes_nothing_and_says_so(small_build, tmp_path, capsys, monkeypatch):
    def broken(nb, path):
        raise RuntimeError("pandoc crashed")
    monkeypatch.setattr(build, "export_html", broken)
    code, printed = small_build(capsys)
    assert "report: the export failed (RuntimeError: pandoc crashed).\nreport: nothing you had was changed" in printed
    assert not (tmp_path / "out" / "report.pdf").exists() and not (tmp_path / "out" / "notebooks").exists()
    assert list((tmp_path / "build").glob(".building-*")) == []


def test_the_early_check_needs_only_pythons_own_library(tmp_path):
    """make report runs it with the system's Python before the set-up: no NumPy, no fonts."""
    (tmp_path / "short.txt").write_text("too short")
    run = "import runpy, sys; sys.modules['numpy'] = None; sys.argv = ['preflight', '--early']; " \
          "runpy.run_module('report.preflight', run_name='__main__')"
    done = subprocess.run([sys.executable, "-c", run], cwd=R.ROOT, capture_output=True, text=True,
                          env=os.environ | {"RNN_CORPUS": str(tmp_path / "short.txt")})
    assert done.returncode == 1 and "has 9 characters; the report needs at least 20,000" in done.stderr, done.stderr
    assert "ModuleNotFoundError" not in done.stderr and "ImportError" not in done.stderr


def test_make_report_checks_the_corpus_before_the_set_up(tmp_path):
    (tmp_path / "short.txt").write_text("too short")
    done = subprocess.run(["make", "--no-print-directory", "-n", "report", f"RNN_CORPUS={tmp_path / 'short.txt'}"],
                          cwd=R.ROOT, capture_output=True, text=True)
    assert done.stdout.splitlines()[0].endswith("-m report.preflight --early"), done.stdout


def test_a_held_package_lock_is_waited_for_in_one_line(tmp_path, capsys):
    lock = tmp_path / "lock-frontend"
    lock.touch()
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
                               "fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(lock)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(SystemExit, match=f"make: {lock} is still held after 0 minutes: wait for the other"):
            preflight.wait_for_apt(locks=(str(lock),), seconds=3)
        assert capsys.readouterr().out.count("\n") == 1
    finally:
        holder.kill()
        holder.wait()
    preflight.wait_for_apt(locks=(str(lock),), seconds=3)          # free again: returns at once
