"""What `python -m report.build` checks before the first notebook, in seconds: every setting by name,
the corpus, and the report's fonts. Each problem is one line; the build stops before it writes
anything when there is one.

- Settings: RNN_HANDOUT (2017 or 2025), RNN_BUDGET_SCALE (a number > 0 and <= 10), RNN_RUNS (not
  blank, a folder that can be written: tested by writing a file, as root the permission bits say
  nothing), RNN_CORPUS (a file that loads); a lower-case or misspelt name (rnn_handout,
  RNN_HANDOUTS) is refused by name instead of being silently ignored. A relative RNN_RUNS or
  RNN_CORPUS is taken from the repository root (textfile.from_root).
- The corpus: at least MIN_CHARACTERS characters, at most MAX_K different ones, no control
  character without a picture (the report shows ␇ for the bell: report.render.SYMBOLS), and every
  character as shown in a font, checked with fontconfig: the report's fonts (FONTS, as
  report/template/latex_report/index.tex.j2 sets them), or for a Unicode block they lack (CJK, the
  control pictures) an installed font that has it, which the template switches to (fallback_fonts).

`python -m report.preflight` runs the checks alone. `--early` runs, with Python's own library only
(the system's python3, before `make` sets up the venv and the TeX tool chain), the checks that need
nothing else: the settings' names and the corpus's text (not the fonts, which need fontconfig).
`--wait-for-apt` waits, saying so in one line, while another apt or dpkg holds the package lock.
"""
import difflib
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

import textfile
from report import render           # Python's own library only, as textfile: for --early

SETTINGS = ("RNN_HANDOUT", "RNN_BUDGET_SCALE", "RNN_RUNS", "RNN_CORPUS")
MAKE_SETTINGS = ("HANDOUT",)       # make's name for RNN_HANDOUT (the Makefile checks its own command line)

# The report holds out the last 5 % of the text; notebook 11 shades 300 characters of it from a line
# start past its middle and probes 100 stretches of 160 characters, and the larger model of notebook 8
# reads the rest as 32 streams of 50-character sequences. 20,000 characters give a held-out part of
# 1,000 characters and each of the 32 streams about 590 characters (11 sequences).
MIN_CHARACTERS = 20_000
# The output layer has K·m weights: at K = 8,000 the larger model of notebook 8 (m = 256) spends most
# of its update there and notebook 1 checks a sample of entries (rnn_helpers' gradient checks), so each
# notebook keeps to its time budget.
MAX_K = 8_000
# The fonts that typeset the corpus's characters in the PDF: the prose (serif) and generated text (mono).
FONTS = ("DejaVu Serif", "DejaVu Sans Mono")
TEMPLATE = "report/template/latex_report/index.tex.j2"
# Debian packages with fonts for scripts that DejaVu lacks (first code point, last, package).
FONT_PACKAGES = ((0x0900, 0x0DFF, "fonts-noto-core"), (0x0E00, 0x0E7F, "fonts-noto-core"),
                 (0x1100, 0x11FF, "fonts-noto-cjk"), (0x2E80, 0x9FFF, "fonts-noto-cjk"),
                 (0xAC00, 0xD7AF, "fonts-noto-cjk"), (0xF900, 0xFAFF, "fonts-noto-cjk"),
                 (0xFF00, 0xFFEF, "fonts-noto-cjk"), (0x1F300, 0x1FAFF, "fonts-noto-color-emoji"))
SHOWN = 12                                           # characters named in a message, at most


def code_points(chars):
    """'U+4E00 一, U+00E9 é' for the first SHOWN characters of chars, then how many more."""
    chars = sorted(chars)
    named = ", ".join(f"U+{ord(c):04X}" + (f" {c}" if c.isprintable() else "") for c in chars[:SHOWN])
    return named + (f" and {len(chars) - SHOWN:,} more" if len(chars) > SHOWN else "")


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------

def misspelt_settings(environ):
    """A line for each variable of the environment that looks like a setting but is not one."""
    problems = []
    known = SETTINGS + MAKE_SETTINGS
    for name in sorted(environ):
        if name in known:
            continue
        upper = name.upper()
        if upper in known:
            problems.append(f"{name} is set, but the setting is {upper} (upper case): {name} is ignored. "
                            f"Set {upper} instead and unset {name}.")
        elif upper.startswith("RNN_") or difflib.get_close_matches(upper, known, n=1, cutoff=0.85):
            guess = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
            problems.append(f"{name} is not a setting of this project{f' (did you mean {guess[0]}?)' if guess else ''}: "
                            f"the settings are {', '.join(SETTINGS)}. Unset {name}.")
    if "HANDOUT" in environ and "RNN_HANDOUT" not in environ:       # make always sets RNN_HANDOUT
        problems.append(f"HANDOUT={environ['HANDOUT']!r} is make's setting, which python -m report.build does "
                        "not read: set RNN_HANDOUT instead (or run make report HANDOUT=...).")
    return problems


# What a build writes, measured on the book (K = 80): about 2 MB of runs (and as much again for their
# staged copy), 5 MB of report and notebooks and 2 MB of LaTeX files; more for a larger vocabulary.
# A folder with less free space than this is refused before the first notebook.
FREE_MB = 100


def writable_folder(folder, setting):
    """None, or the line that says why files cannot be written in folder (which may not exist yet:
    then its nearest existing parent is tested): a file is written and removed to find out, and the
    file system must have FREE_MB free."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        part = "is a file" if existing == folder else f"has a file, {existing}, where a folder should be"
        return f"{setting}: {folder} {part}: give a folder to keep the files in."
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        return (f"{setting}: no file can be created in {existing} ({err.strerror or err}): choose a folder you "
                "can write to.")
    free = shutil.disk_usage(existing).free / 2**20
    if free < FREE_MB:
        return (f"{setting}: {existing} has {free:.1f} MB free; a build writes up to about {FREE_MB} MB (runs, "
                "report, notebooks, LaTeX files): free some space there, or choose another folder.")
    return None


def check_settings(environ=None):
    """A line for each setting that is wrong (environ: os.environ)."""
    from report import runs             # NumPy: after the set-up
    from report.handouts import handout
    environ = os.environ if environ is None else environ
    problems = misspelt_settings(environ)
    try:
        handout()
    except ValueError as err:
        problems.append(str(err))
    try:
        runs.budget_scale()
    except ValueError as err:
        problems.append(str(err))
    try:
        problem = writable_folder(runs.runs_root(), "RNN_RUNS" if "RNN_RUNS" in environ else "runs/")
    except ValueError as err:
        problem = str(err)
    if problem:
        problems.append(problem)
    return problems


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------

def load():
    """(text, path) of the corpus the notebooks will read, or (None, the line that says why not)."""
    value = os.environ.get("RNN_CORPUS")
    if value is not None and value.strip():
        path = textfile.from_root(value)
        if not path.exists():
            return None, (f"RNN_CORPUS: {path} not found: check the path (a relative one is taken from the "
                          f"repository root, {textfile.ROOT}).")
    try:
        path = textfile.find_corpus()
        return textfile.read_corpus(path)[0], path          # one text, or documents each ended by EOD
    except (OSError, ValueError) as err:
        where = "RNN_CORPUS" if value is not None else "corpus"
        return None, f"{where}: {' '.join(str(err).split())}"


def font_charsets(fonts=FONTS):
    """({font: set of code points}, [problems]): the characters of each font, by fontconfig."""
    if not shutil.which("fc-match"):
        return {}, []                       # no fontconfig: no PDF either (report.build says so)
    charsets, problems = {}, []
    for font in fonts:
        family, points = _charset(font)
        if font not in family.split(","):
            problems.append(f"The report's font {font} is not installed: `make system` installs it "
                            "(apt-get install fonts-dejavu).")
        else:
            charsets[font] = points
    return charsets, problems


@functools.cache
def _charset(font):
    """(the families of the font fontconfig matches to the name font, the set of its code points)."""
    found = subprocess.run(["fc-match", "--format=%{family}|%{charset}", font], capture_output=True, text=True)
    family, _, ranges = found.stdout.partition("|")
    points = set()
    for part in ranges.split():
        first, _, last = part.partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return family, frozenset(points)


@functools.cache
def unicode_blocks():
    """[(name, first, last)]: the Unicode blocks of the ucharclasses package, by which the template
    switches to a fallback font ([] without it: then no PDF is made either)."""
    found = subprocess.run(["kpsewhich", "ucharclasses.sty"], capture_output=True, text=True) \
        if shutil.which("kpsewhich") else None
    if not found or not found.stdout.strip():
        return []
    source = open(found.stdout.strip(), encoding="utf-8").read()
    return [(name, int(first, 16), int(last, 16))
            for name, first, last in re.findall(r'\\do\{(\w+)\}\{"([0-9A-F]+)\}\{"([0-9A-F]+)\}', source)]


def fallback_fonts(chars, charsets):
    """([(block, font, first, last)], missing): for the characters of chars that the report's fonts (charsets)
    lack, one installed font per Unicode block, the one that has most of that block's (a monospaced one
    first, as most of them are in generated text), and the characters that it does not have."""
    lacking = {c for c in chars if unicodedata.category(c) != "Cf"            # invisible: no glyph needed
               and not all(ord(c) in points for points in charsets.values())}
    fallbacks, missing = [], set()
    for name, first, last in unicode_blocks():
        inside = {c for c in lacking if first <= ord(c) <= last}
        if not inside:
            continue
        lacking -= inside
        listed = subprocess.run(["fc-list", f":charset={ord(min(inside)):x}", "family"], capture_output=True, text=True)
        families = sorted({line.split(",")[0] for line in listed.stdout.splitlines() if line},
                          key=lambda f: ("Mono" not in f, " SC" not in f, f))   # CJK: Simplified Chinese glyphs first
        covered = {family: {c for c in inside if ord(c) in font_charsets((family,))[0].get(family, ())}
                   for family in families}
        best = max(families, key=lambda family: len(covered[family]), default=None)   # the first of the best
        if best:
            fallbacks.append((name, best, first, last))
        missing |= inside - covered.get(best, set())
    return fallbacks, missing | lacking


def font_advice(missing):
    """Which Debian packages have fonts for the missing characters, as a clause."""
    found = {c: package for c in missing for first, last, package in FONT_PACKAGES if first <= ord(c) <= last}
    if not found:
        return ""
    return (f" (`apt-get install {' '.join(sorted(set(found.values())))}` has fonts for "
            f"{'them' if len(found) == len(missing) else 'some of them'})")


def shown_characters(text):
    """The characters of text as the report shows them: a control character as its picture (␇)."""
    return set(render.with_symbols("".join(set(text))))


def check_text(text, path, charsets=None, fonts=True):
    """A line for each reason the report cannot be made from text (read from path); fonts=False: not
    the fonts' (charsets: their characters, found with fontconfig when None)."""
    problems = []
    name = f"The corpus {path}"
    if len(text) < MIN_CHARACTERS:
        problems.append(f"{name} has {len(text):,} characters; the report needs at least {MIN_CHARACTERS:,}: it holds "
                        "out the last 5 % (notebook 11 shades 300 of them and probes stretches of 160) and the larger "
                        "model reads the rest as 32 streams of 50-character sequences. Use a longer text.")
    chars = set(text)
    if len(chars) > MAX_K:
        problems.append(f"{name} has K = {len(chars):,} different characters; the report handles at most {MAX_K:,}: "
                        "the output layer's K·m weights grow with K, and the larger model's update with them. "
                        "Use a text with fewer different characters.")
    control = {c for c in shown_characters(text) if unicodedata.category(c) == "Cc" and c not in "\n\t"}
    if control:
        problems.append(f"{name} has control characters that have no picture to show them by: {code_points(control)} "
                        "(C1 controls, usually a text decoded with the wrong encoding). Remove or replace them, "
                        "then build again.")
    if not fonts:
        return problems
    if charsets is None:
        charsets, font_problems = font_charsets()
        problems += font_problems
    if charsets:
        _, missing = fallback_fonts(shown_characters(text) - control - {"\n", "\t"}, charsets)
        if missing:
            problems.append(f"{name} has {len(missing):,} characters that no installed font has: {code_points(missing)}"
                            f"{font_advice(missing)}. Install a font that has them, or remove or replace them.")
    return problems


def check(environ=None):
    """Every problem, one line each: the settings, then the corpus."""
    problems = check_settings(environ)
    text, path = load()
    if text is None:
        return problems + [path]
    return problems + check_text(text, path)


def early(environ=None):
    """The problems found with Python's own library: settings' names, and the corpus's text unless it
    is the default one that the set-up is yet to build."""
    environ = os.environ if environ is None else environ
    problems = misspelt_settings(environ)
    if "RNN_CORPUS" not in environ and not any((textfile.ROOT / "data" / name).is_file()
                                               for name in ("goblet_book.txt", "shakespeare.txt")):
        return problems                 # make corpus builds the default one
    text, path = load()
    return problems + ([path] if text is None else check_text(text, path, fonts=False))


def wait_for_apt(locks=("/var/lib/dpkg/lock-frontend", "/var/lib/apt/lists/lock"), seconds=600):
    """Return once no other apt or dpkg holds the package locks (tried as apt does, with fcntl), after
    one line that says what we wait for; stop after `seconds` with the line that says what to do."""
    import fcntl
    import time
    said, deadline = False, time.monotonic() + seconds
    while True:
        held = []
        for lock in locks:
            try:
                with open(lock, "a") as f:
                    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held.append(lock)
            except OSError:
                pass                    # no such lock (another system): nothing to wait for
        if not held:
            return
        if time.monotonic() > deadline:
            sys.exit(f"make: {held[0]} is still held after {seconds // 60} minutes: wait for the other package "
                     "installation (apt, dpkg, unattended-upgrades) to finish, then run make again.")
        if not said:
            print(f"make: another package installation (apt, dpkg or unattended-upgrades) holds {held[0]}; waiting "
                  f"for it to finish (at most {seconds // 60} minutes)...", flush=True)
            said = True
        time.sleep(2)


def main():
    if sys.argv[1:] == ["--wait-for-apt"]:
        return wait_for_apt()
    problems = early() if sys.argv[1:] == ["--early"] else check()
    for line in problems:
        print(f"report: {line}", file=sys.stderr)
    if problems:
        print("report: nothing was run or written; fix the above and build again.", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
