"""`python -m apitwin` runs the command line."""
from apitwin.cli import main

raise SystemExit(main())
