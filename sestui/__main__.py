"""`python -m sestui` is the `sestui` command."""

from .cli import main

raise SystemExit(main())
