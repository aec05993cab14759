"""`python -m train`: see train/cli.py."""

from train.cli import main

raise SystemExit(main())
