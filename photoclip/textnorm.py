"""How text in photos is compared (imports nothing heavy: the search language uses it).

`normalize`: NFKC (full-width letters and digits become ASCII), case-folded, accents taken off Latin letters,
whitespace collapsed, traditional Chinese characters written as simplified ones (`simplified`: data/t2s.txt, from
OpenCC's tables by tools/make_t2s.py, character by character).  So "Café" matches "cafe", "ＩＫＥＡ" matches "ikea",
and 發票 on a Hong Kong receipt matches the query 发票 (and the other way round).
`words`: what plain search words look for in a photo's text.
"""
from __future__ import annotations

import re
import unicodedata

# Short English function words and words every photo "is" (a query's "a photo of ...") are not looked for.
STOPWORDS = frozenset("a an and are as at be by for from in is it of on or the to with photo photos picture "
                      "pictures image images my".split())
_LATIN_WORD = re.compile(r"^[0-9a-z][0-9a-z.,:/%'-]*$")


_T2S: dict[int, str] | None = None


def simplified(text: str) -> str:
    """Traditional Chinese characters (Taiwan's and Hong Kong's forms too) written as simplified ones; everything
    else as it is.  For matching only: both sides of a comparison go through it."""
    global _T2S
    if _T2S is None:
        from importlib import resources

        table = resources.files("photoclip.data").joinpath("t2s.txt").read_text(encoding="utf-8")
        _T2S = {ord(line[0]): line[2] for line in table.splitlines() if len(line) == 3}
    return text.translate(_T2S)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return simplified(re.sub(r"\s+", " ", text).strip())


def words(text: str) -> list[str]:
    """The normalised query's words worth finding in text: Latin words of two characters or more (numbers
    too), and runs of other scripts (Chinese) of two characters or more; stop words left out."""
    out = []
    for w in normalize(text).split(" "):
        w = w.strip(".,:;!?\"'()")
        if len(w) < 2 or w in STOPWORDS:
            continue
        out.append(w)
    return out


def is_latin(word: str) -> bool:
    """A word matched as a whole word ("cat" not in "category"); other scripts match as substrings."""
    return bool(_LATIN_WORD.match(word))


def contains_word(text: str, word: str) -> bool:
    """Whether normalised `text` holds `word` (a whole word for Latin, a substring otherwise)."""
    if not is_latin(word):
        return word in text
    return re.search(r"(?<![0-9a-z])" + re.escape(word) + r"(?![0-9a-z])", text) is not None
