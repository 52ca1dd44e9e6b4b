"""``python -m paramlens`` is the ``paramlens`` command."""

import sys

from .cli import main

sys.exit(main())
