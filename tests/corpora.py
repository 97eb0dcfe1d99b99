"""Texts a user may bring, made on this machine without the network, for the builds of
test_user_texts.py: source code (Python's own standard library) with control characters, and a
small text in German and Chinese with a vocabulary of thousands of characters. Each is a few
ten thousand characters: long enough for the report (report.preflight.MIN_CHARACTERS), short
enough to build in a minute or two."""
import random
import sysconfig
from pathlib import Path

GERMAN = ("der die das und ist nicht ein eine zu den mit von sich des auf für im dem als auch es an "
          "werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum "
          "war haben nur oder aber vor zur bis mehr durch man sein wurde sei Größe Straße schön Mädchen "
          "Ärger Öl Füße weiß müssen können über Brücke Frühling Käse Tür Übung").split()


def code(length=60_000):
    """Python source from the standard library, with a bell (\\a) or an escape sequence (\\x1b[0m)
    at the end of 3 % of its lines, as terminal logs have them."""
    lines = []
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        if sum(map(len, lines)) > length:
            break
    rng = random.Random(0)
    lines = [line.rstrip("\n") + rng.choice(["\a", "\x1b[0m"]) + "\n" if rng.random() < 0.03 else line
             for line in lines]
    return "".join(lines)[:length]


def german_and_chinese(length=60_000, ideographs=3_000):
    """Sentences in German words (umlauts, ß, capitals) and in Chinese drawn from `ideographs`
    code points with Zipf-like frequencies: K in the thousands."""
    rng = random.Random(1)
    han = [chr(0x4E00 + 6 * i) for i in range(ideographs)]
    weights = [1 / (i + 1) for i in range(ideographs)]
    text = "".join(han) + "。\n"                  # every ideograph at least once: K as stated
    while len(text) < length:
        if rng.random() < 0.5:
            words = [rng.choice(GERMAN) for _ in range(rng.randint(4, 12))]
            text += " ".join(words).capitalize() + rng.choice([". ", "! ", "? ", ".\n"])
        else:
            text += "".join(rng.choices(han, weights, k=rng.randint(6, 20))) + rng.choice(["。", "，", "。\n"])
    return text[:length]
