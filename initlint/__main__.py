"""``python -m initlint``: the same as the ``initlint`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
