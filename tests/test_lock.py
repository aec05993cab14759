"""The locks agree with the ranges people edit: every package a range names is locked, at a version inside
its range; the CUDA lock and the Space's pins use the CPU lock's versions; the CPU lock leaves out
bitsandbytes (a CUDA-only package that looks up a Hub kernel when imported)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from huggingface_hub import SpaceCard
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)
# (ranges file, the lock made from it)
LOCKS = [
    ("requirements-dev.txt", "requirements.lock"),
    ("requirements-cuda.txt", "requirements-cuda.lock"),
    ("requirements-models.txt", "requirements-models.lock"),
    ("space/requirements.in", "space/requirements.txt"),
]


def ranges(path: Path) -> list[Requirement]:
    """The requirements of a ranges file, following its `-r` includes."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            found += ranges(path.parent / line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


def pins(path: Path) -> dict[str, Version]:
    return {canonicalize_name(name): Version(version) for name, version in PIN.findall(path.read_text())}


def public(version: Version) -> Version:
    return Version(version.public)


@pytest.mark.parametrize(("ranges_file", "lock_file"), LOCKS)
def test_every_range_is_locked_inside_it(ranges_file, lock_file):
    locked = pins(REPO / lock_file)
    for requirement in ranges(REPO / ranges_file):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{ranges_file} names {name}, which {lock_file} lacks: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock_file} has {name}=={locked[name]}, outside {ranges_file}'s {requirement.specifier}: run `make lock`"
        )


def test_the_locks_pin_every_package_with_hashes():
    for lock_file in ("requirements.lock", "requirements-cuda.lock", "requirements-models.lock"):
        text = (REPO / lock_file).read_text()
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        for entry in entries:
            assert PIN.match(entry) and "--hash=sha256:" in entry, f"{lock_file}: not pinned with a hash: {entry[:80]}"


@pytest.mark.parametrize("other_file", ["requirements-cuda.lock", "space/requirements.txt"])
def test_the_cuda_lock_and_the_space_use_the_tested_versions(other_file):
    tested, other = pins(REPO / "requirements.lock"), pins(REPO / other_file)
    differing = {name: (tested[name], version) for name, version in other.items() if name in tested}
    differing = {name: pair for name, pair in differing.items() if public(pair[0]) != public(pair[1])}
    assert not differing, f"{other_file} differs from requirements.lock: {differing}; run `make lock`"


def test_bitsandbytes_is_locked_for_cuda_only():
    assert "bitsandbytes" not in pins(REPO / "requirements.lock")
    assert "bitsandbytes" in pins(REPO / "requirements-cuda.lock")
    assert pins(REPO / "requirements.lock")["torch"].local == "cpu"
    assert pins(REPO / "requirements-cuda.lock")["torch"].local is None


def test_the_space_card_asks_for_the_locked_gradio():
    card = SpaceCard((REPO / "space" / "README.md").read_text())
    assert Version(card.data.sdk_version) == pins(REPO / "space/requirements.txt")["gradio"]
