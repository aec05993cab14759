"""The options every chat-speed script shares: the demo's model and dataset (outputs/demo/, from `make demo SERVE=0`)
unless told otherwise."""

from __future__ import annotations

import argparse

DEMO_COMPANY = "Northwind Forge"  # configs/demo.yaml's company, whom the demo's adapter was trained for


def demo_model_parser(description: str) -> argparse.ArgumentParser:
    from cazton_llm.layout import DEMO_ROOT, OutputLayout  # importable once the script put the repo on sys.path

    demo = OutputLayout(DEMO_ROOT)
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-model", default=str(demo.imported_base))
    parser.add_argument("--adapter", default=str(demo.adapter))
    parser.add_argument("--dataset", default=str(demo.dataset))
    parser.add_argument("--company", default=DEMO_COMPANY, help="the company the adapter was trained for")
    return parser
