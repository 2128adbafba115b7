"""The frozen app's entry point: the same `photoclip` command line (no command opens the window)."""
import sys

from photoclip.cli import main

if __name__ == "__main__":
    sys.exit(main())
