"""`python -m dataset_builder`: see dataset_builder/cli.py."""

from dataset_builder.cli import main

raise SystemExit(main())
