"""``python -m initguard``: the same command as the ``initguard`` console script."""

import sys

from initguard.cli import main

if __name__ == "__main__":
    sys.exit(main())
