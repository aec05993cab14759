"""`python -m benchmark`: see benchmark/cli.py."""

from benchmark.cli import main

raise SystemExit(main())
