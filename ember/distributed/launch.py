"""``python -m ember.distributed.launch``: alias of :mod:`ember.distributed.run`."""

import sys

from .run import main

if __name__ == "__main__":
    sys.exit(main())
