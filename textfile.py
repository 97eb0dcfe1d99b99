"""A corpus as a file: where it is ($RNN_CORPUS, data/goblet_book.txt or data/shakespeare.txt), its
text (UTF-8, with clear errors for anything else) and what a run records of it. Only Python's own
library: `python3 -m report.preflight --early` checks a corpus with it before the set-up installs
NumPy."""
import hashlib
import os
import stat
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def from_root(value):
    """A path from a setting ($RNN_RUNS, $RNN_CORPUS): a relative one is taken from the repository
    root, wherever the notebook or script runs."""
    return ROOT / Path(value)


def find_corpus():
    """The training text, first match wins: $RNN_CORPUS, data/goblet_book.txt, data/shakespeare.txt."""
    if "RNN_CORPUS" in os.environ:
        if not os.environ["RNN_CORPUS"].strip():
            raise ValueError("RNN_CORPUS is set but empty: set it to a UTF-8 text file, or unset it "
                             "(`unset RNN_CORPUS`) to use data/goblet_book.txt or the default corpus.")
        return from_root(os.environ["RNN_CORPUS"])
    for path in (ROOT / "data" / "goblet_book.txt", ROOT / "data" / "shakespeare.txt"):
        if path.is_file():
            return path
    raise FileNotFoundError("No corpus found: put the book at data/goblet_book.txt, set RNN_CORPUS to "
                            "a text file, or build the default corpus with `make corpus`.")


def corpus_info(path, text):
    """Name, size, vocabulary size and sha256 of a corpus: what a run records about its data."""
    return dict(name=Path(path).stem, characters=len(text), K=len(set(text)),
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def read_book(path):
    """The whole file as text: line endings \\r\\n and \\r read as \\n, a UTF-8 byte-order mark dropped."""
    path = Path(path)
    check_readable(path, "Copy goblet_book.txt to data/, set RNN_CORPUS to its path, or run "
                         "`make corpus` for the default corpus.")
    raw = path.read_bytes()
    encoding = _wide_encoding(raw)
    if encoding:
        raise ValueError(f"{path} looks like {encoding} text, not UTF-8: convert it with "
                         f"`iconv -f {encoding} -t UTF-8 {path} > {path.stem}-utf8.txt` and use that file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text: byte {err.start} is {raw[err.start]:#04x}. "
                         "Convert the file to UTF-8 (e.g. iconv -t UTF-8).") from None
    if "\0" in text:
        raise ValueError(f"{path} holds {text.count(chr(0)):,} NUL characters, which no text has: is it a binary "
                         "file? Give a text file.")
    if not text:
        raise ValueError(f"{path} is empty: the RNN needs a text to learn from.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _wide_encoding(raw):
    """UTF-16 or UTF-32 (LE or BE), by its byte-order mark or, without one, by where the NUL bytes of
    mostly-ASCII text fall (every second or fourth byte); None for anything else."""
    for bom, name in ((b"\xff\xfe\0\0", "UTF-32"), (b"\0\0\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                      (b"\xfe\xff", "UTF-16")):
        if raw.startswith(bom):
            return name
    sample = raw[:4096 - 4096 % 4]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    zero = lambda start, step: sample[start::step].count(0) > 0.9 * len(sample[start::step])
    for name, nuls in (("UTF-32LE", (1, 2, 3)), ("UTF-32BE", (0, 1, 2))):
        if all(zero(i, 4) for i in nuls):
            return name
    return "UTF-16LE" if zero(1, 2) else "UTF-16BE" if zero(0, 2) else None


def check_readable(path, advice):
    """A clear error unless path is a regular file this process can read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found. {advice}") from None
    except OSError as err:
        raise ValueError(f"{path} cannot be opened: {err.strerror or err} (a symbolic link loop?). {advice}") from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path} is a directory, not a file. {advice}")
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path} is not a regular file (a pipe or a device?). {advice}")
    if not os.access(path, os.R_OK):
        raise PermissionError(f"{path} cannot be read (permission denied): change its permissions "
                              "or run as a user who may read it.")
