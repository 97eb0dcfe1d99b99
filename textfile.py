"""A corpus as a file: where it is ($RNN_CORPUS, data/goblet_book.txt or data/shakespeare.txt), its
text (UTF-8, with clear errors for anything else) and what a run records of it. Only Python's own
library: `python3 -m report.preflight --early` checks a corpus with it before the set-up installs
NumPy.

A corpus is one text, or many short documents (read_corpus): a JSON file of texts (a list of strings
or of objects with a "text" field, as the Trump Twitter Archive's condensed_<year>.json files; or
one JSON value a line), a folder whose every file is one document, or a text file in which a line
holding % alone separates the documents (the fortune format). Documents are read as one text, each
followed by the end-of-document character EOD, which no document may hold."""
import hashlib
import json
import os
import stat
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def from_root(value):
    """A path from a setting ($RNN_RUNS, $RNN_CORPUS): a relative one is taken from the repository
    root, wherever the notebook or script runs."""
    return ROOT / Path(value)


def find_corpus():
    """The training text, first match wins: $RNN_CORPUS (a file or a folder of documents),
    data/goblet_book.txt, data/shakespeare.txt."""
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


def corpus_info(path, text, documents=None):
    """Name, size, vocabulary size and sha256 of a corpus: what a run records about its data; and for
    a corpus of documents, how many (documents: their number, None for one text)."""
    info = dict(name=Path(path).stem, characters=len(text), K=len(set(text)),
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    return info if documents is None else dict(info, documents=documents)


# ---------------------------------------------------------------------------------------------
# A corpus of documents
# ---------------------------------------------------------------------------------------------

EOD = "\x03"                # the end-of-document character (ASCII's End of Text), shown as ␃
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
SEPARATOR = "%"             # a line holding it alone separates two documents (the fortune format) ...
MIN_SEPARATORS = 10         # ... in a text file that has at least this many such lines
MIN_DOCUMENTS = 20          # the held-out part (5 %) must hold whole documents


def read_corpus(path, retweets=False):
    """(text, documents): the corpus at path as the notebooks read it, and its number of documents
    (None for one text, read_book). Documents are joined as one text, each followed by EOD.
    retweets: keep the tweets of an archive file whose "is_retweet" is true (left out by default:
    they are other people's words)."""
    path = Path(path)
    if path.is_dir():
        documents = read_folder(path)
    elif path.suffix.lower() in JSON_SUFFIXES:
        documents = read_json(path, retweets)
    else:
        text = read_book(path)
        documents = fortunes(text)
        if documents is None:
            return text, None
    return join_documents(documents, path)


def join_documents(documents, path):
    """(text, n): the non-empty documents, each followed by EOD, with a clear error when none is
    left, when one holds EOD itself, or when there are fewer than MIN_DOCUMENTS."""
    documents = [d.replace("\r\n", "\n").replace("\r", "\n") for d in documents]
    kept = [d for d in documents if d.strip()]
    if not kept:
        raise ValueError(f"{path}: all its {len(documents):,} documents are empty: give documents with text.")
    holding = sum(EOD in d for d in kept)
    if holding:
        raise ValueError(f"{path}: {holding:,} of its documents hold U+0003 (\u2403), the character that ends a "
                         "document in this project: remove it from them.")
    if "\0" in "".join(kept):
        raise ValueError(f"{path}: its documents hold NUL characters, which no text has: give text.")
    if len(kept) < MIN_DOCUMENTS:
        raise ValueError(f"{path} holds {len(kept):,} documents; a corpus of documents needs at least "
                         f"{MIN_DOCUMENTS}, so that the held-out part (5 %) is whole documents. Give more "
                         "documents, or one text file.")
    return "".join(d + EOD for d in kept), len(kept)


def fortunes(text):
    """The documents of a text in the fortune format (separated by lines holding % alone, at least
    MIN_SEPARATORS of them), or None for any other text."""
    lines = text.split("\n")
    if sum(line == SEPARATOR for line in lines) < MIN_SEPARATORS:
        return None
    documents, current = [], []
    for line in lines + [SEPARATOR]:
        if line == SEPARATOR:
            documents.append("\n".join(current).strip("\n"))
            current = []
        else:
            current.append(line)
    return documents


def read_json(path, retweets=False):
    """The texts of a JSON file: a list of strings or of objects with a "text" field (an object whose
    "is_retweet" is true left out unless retweets), or the same one JSON value a line."""
    check_readable(path, "Set RNN_CORPUS to a JSON file of texts, a folder of documents or a text file.")
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8: byte {err.start} is not. A JSON file is UTF-8 text.") from None
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as whole:
        items = []
        for number, line in enumerate(raw.splitlines(), 1):       # newline-delimited JSON
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError:
                    raise ValueError(f"{path} is not JSON: {whole.msg} at line {whole.lineno}, column "
                                     f"{whole.colno} (nor one JSON value a line: line {number} is not one).") from None
    if not isinstance(items, list):             # one object, or one string
        items = [items]
    documents, retweeted = [], 0
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("is_retweet") is True and not retweets:
            retweeted += 1
            continue
        text = item.get("text") if isinstance(item, dict) else item
        if not isinstance(text, str):
            raise ValueError(f"{path} holds no text in its item {i + 1} ({_describe(item)}): a JSON file of documents "
                             'is a list of strings or of objects with a "text" field (as the tweet archive\'s '
                             "condensed_<year>.json files).")
        documents.append(text)
    if not documents:
        raise ValueError(f"{path} holds no texts" + (f" but {retweeted:,} retweets, which are left out" if retweeted
                                                      else "") + ': a JSON file of documents is a list of strings '
                         'or of objects with a "text" field.')
    return documents


def _describe(item):
    if isinstance(item, dict):
        return "an object with the fields " + ", ".join(map(str, list(item)[:6])) if item else "an empty object"
    return f"a {type(item).__name__}: {json.dumps(item)[:40]}"


def read_folder(path):
    """The text of each file in the folder path and its subfolders (hidden ones left out), in the
    order of their paths; a clear error for an empty folder or one that holds files that are not text."""
    if not os.access(path, os.R_OK | os.X_OK):
        raise PermissionError(f"{path} cannot be read (permission denied): change its permissions.")
    files = sorted(p for p in path.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    if not files:
        raise ValueError(f"{path} is an empty folder: a corpus of documents as a folder holds one file for each "
                         "document.")
    documents, binary = [], []
    for file in files:
        raw = file.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        if text is None or "\0" in text:
            binary.append(str(file.relative_to(path)))
        else:
            documents.append(text.strip("\n"))
    if binary:
        shown = ", ".join(binary[:5]) + (f" and {len(binary) - 5:,} more" if len(binary) > 5 else "")
        raise ValueError(f"{path} holds files that are not UTF-8 text ({len(binary):,} of {len(files):,}): {shown}. Each file of a "
                         "folder is one document of text: remove the others (or convert them to UTF-8).")
    return documents


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
