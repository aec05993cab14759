"""A config file people write, cut at any byte (a half-saved edit, a partial copy), loads or is one `error:`
line naming the file; never a traceback. Checked for the pipeline config, a training recipe and a prices file."""

import random
from pathlib import Path

import pytest

from cazton_llm.errors import UserError
from dataset_builder.pricing import load_prices
from pipeline.config import load_config
from train.cli import read_recipe

REPO = Path(__file__).resolve().parents[2]
SEED = 20
CUTS = 40
# Non-ASCII text, so that cuts also fall inside multi-byte characters.
PIPELINE = (
    (REPO / "configs/demo.yaml").read_text().replace("company: Northwind Forge", "company: Nörthwïnd Förge — Ünïcode")
)
RECIPE = (REPO / "train/configs/smollm2-135m-instruct.yaml").read_text() + "# réglages « par défaut »\n"
PRICES = (
    "# prix en dollars — par million de jetons\ngpt-5-mini: {input: 0.25, output: 2}\nmodèle: {input: 1, output: 1}\n"
)


def cuts(text: str) -> list[bytes]:
    data = text.encode()
    rng = random.Random(SEED)
    return [data[:offset] for offset in sorted(rng.sample(range(len(data)), CUTS))]


@pytest.mark.parametrize(
    ("whole", "read"),
    [(PIPELINE, load_config), (RECIPE, read_recipe), (PRICES, load_prices)],
    ids=["pipeline-config", "training-recipe", "prices"],
)
def test_a_config_cut_anywhere_loads_or_is_one_error_line(tmp_path, monkeypatch, whole, read):
    monkeypatch.chdir(REPO)  # the demo config names the recipe by a path relative to the repository
    path = tmp_path / "config.yaml"
    outcomes = {"loaded": 0, "refused": 0}
    for cut in cuts(whole):
        path.write_bytes(cut)
        try:
            read(path)
        except UserError as error:
            assert "\n" not in str(error), str(error)
            outcomes["refused"] += 1
        else:
            outcomes["loaded"] += 1
    assert outcomes["refused"] > 0 and sum(outcomes.values()) == CUTS
