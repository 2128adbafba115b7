"""Write the table that lets traditional and simplified Chinese find each other (photoclip/data/t2s.txt): one line
per traditional character, "traditional<TAB>simplified".

    pip download --no-deps opencc-python-reimplemented==0.1.7   # then unpack it
    python tools/make_t2s.py --opencc opencc/dictionary

From OpenCC's tables (Apache-2.0): TSCharacters (traditional to simplified), with the Taiwan and Hong Kong forms of
a character first turned into OpenCC's standard traditional one (TWVariantsRev, HKVariantsRev: 裡 and 裏, 着 and
著).  Character by character, and only where a character has one simplified form or OpenCC lists one first: the
table is for matching (a photo's text and the query are both written through it, textnorm.normalize), never for
showing, so 乾 becoming 干 in both is what matters, not which word it was.
"""
from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "photoclip", "data", "t2s.txt")


def read(path: str) -> dict[str, str]:
    """{character: its first target} of an OpenCC table, single characters only."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            source, _, targets = line.rstrip("\n").partition("\t")
            first = targets.split(" ")[0]
            if len(source) == 1 and len(first) == 1 and first != source:
                out[source] = first
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--opencc", required=True, help="the dictionary folder of opencc-python-reimplemented")
    args = p.parse_args(argv)
    simple = read(os.path.join(args.opencc, "TSCharacters.txt"))
    table = dict(simple)
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for variant, standard in read(os.path.join(args.opencc, name)).items():
            target = simple.get(standard, standard)
            if variant not in table and target != variant:
                table[variant] = target
    with open(OUT, "w", encoding="utf-8") as f:
        f.writelines(f"{t}\t{s}\n" for t, s in sorted(table.items()))
    print(f"{len(table)} characters written to {os.path.relpath(OUT, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
