"""``python -m fleming``: the command line (see ``fleming.cli``)."""

from fleming.cli import main

raise SystemExit(main())
