"""Texts a user may bring, made on this machine without the network, for the builds of
test_user_texts.py: source code (Python's own standard library) with control characters, a
small text in German and Chinese with a vocabulary of thousands of characters, and many short
documents: a file of fortunes and a tweet archive in the Trump Twitter Archive's format. Each is a
few ten thousand characters: long enough for the report (report.preflight.MIN_CHARACTERS), short
enough to build in a minute or two."""
import json
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


ENGLISH = ("the a of to and in is you that it for on with as be at this have from or by not but all your "
           "will can one more time people great country today very big news jobs deal win never always "
           "tomorrow soon good bad strong weak friend fake truth future money market nation").split()


def _sentence(rng, low=3, high=12):
    return " ".join(rng.choice(ENGLISH) for _ in range(rng.randint(low, high))).capitalize()


def fortunes(count=560):
    """Short sayings in the fortune format: documents separated by lines holding % alone, most of
    one line, some of two, each ending with a full stop or an exclamation mark."""
    rng = random.Random(2)
    documents = []
    for _ in range(count):
        lines = [_sentence(rng) + rng.choice([".", "!", "."]) for _ in range(rng.choice([1, 1, 1, 2]))]
        documents.append("\n".join(lines))
    return "\n%\n".join(documents) + "\n%\n"


def tweet_archive(count=420, retweets=0.1):
    """A JSON file in the Trump Twitter Archive's format (its condensed_<year>.json files): a list of
    tweet objects with the fields source, text, created_at, retweet_count, favorite_count, is_retweet,
    id_str and in_reply_to_user_id_str, newest first; each text at most 140 characters; a share
    `retweets` of them retweets ("RT @name: ...", is_retweet true)."""
    rng = random.Random(3)
    tweets = []
    for i in range(count):
        retweet = rng.random() < retweets
        text = _sentence(rng, 5, 20) + rng.choice(["!", "!", ".", " #MAGA", "!!"])
        if retweet:
            text = f"RT @{rng.choice(ENGLISH)}{rng.randint(1, 99)}: {text}"
        text = text[:140]
        day = 365 - i * 365 // count
        tweets.append({"source": "Twitter for Android", "text": text,
                       "created_at": f"Mon Jan {1 + day % 28:02d} {i % 24:02d}:{i % 60:02d}:00 +0000 2018",
                       "retweet_count": rng.randint(0, 50_000), "favorite_count": rng.randint(0, 150_000),
                       "is_retweet": retweet, "id_str": str(950000000000000000 + 1000 * (count - i)),
                       "in_reply_to_user_id_str": None})
    return json.dumps(tweets, ensure_ascii=False)
