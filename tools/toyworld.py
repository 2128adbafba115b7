"""Draw a folder of toy-world pictures (the world itself lives in photoclip/toyworld.py, which the self-test
uses too): `python tools/toyworld.py FOLDER [--count N] [--seed S] ...`."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the checkout, for photoclip
from photoclip.toyworld import *  # noqa: E402,F401,F403 - tests and tools import the world from here
from photoclip.toyworld import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
