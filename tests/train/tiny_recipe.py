"""The training command line on the tiny recipe, as the tests give it: `python -m train`'s arguments."""

TINY_RECIPE = "train/configs/tiny.yaml"


def tiny_training_argv(base, dataset, out, *extra: str) -> list[str]:
    """`python -m train`'s arguments: the tiny recipe on `base` and `dataset`, the adapter to `out`, no reporting."""
    return [
        "--config",
        TINY_RECIPE,
        "--model_name_or_path",
        str(base),
        "--dataset_name",
        str(dataset),
        "--output_dir",
        str(out),
        "--report_to",
        "none",
        *extra,
    ]
