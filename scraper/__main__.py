"""`python -m scraper`: see scraper/cli.py."""

from scraper.cli import main

raise SystemExit(main())
