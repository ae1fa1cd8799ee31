"""``python -m dlcourse.check NOTEBOOK``: the self-check of an exercise notebook."""

import sys

from dlcourse.check.selfcheck import main

if __name__ == "__main__":
    sys.exit(main())
